//go:build integration

package db_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
)

// Lists reads each key's list in its own order, cut at the limit, in one statement for up to a
// hundred keys and in several beyond: a key without rows has an empty list, a key asked twice has
// its list once, and a negative limit reads whole lists.
func TestListsReadEachKeysListInOrder(t *testing.T) {
	ctx := context.Background()
	gdb := dbtest.Open(t)
	if err := gdb.Exec("CREATE TABLE entries (id BIGINT PRIMARY KEY AUTO_INCREMENT, owner BIGINT NOT NULL, " +
		"item BIGINT NOT NULL, at BIGINT NOT NULL, KEY idx_owner_at (owner, at))").Error; err != nil {
		t.Fatal(err)
	}
	// Owner o (1..250) has o%7 entries; entry j's item is o*100+j, and its time makes the newest
	// entry the one of the highest j, except that entry 0 shares its time with entry 1, which the
	// id then orders.
	want := map[int64][]int64{}
	var keys []int64
	for o := int64(1); o <= 250; o++ {
		keys = append(keys, o)
		want[o] = []int64{}
		for j := int64(0); j < o%7; j++ {
			at := max(j, 1)
			if err := gdb.Exec("INSERT INTO entries (owner, item, at) VALUES (?, ?, ?)", o, o*100+j, at).Error; err != nil {
				t.Fatal(err)
			}
			want[o] = append([]int64{o*100 + j}, want[o]...)
		}
	}
	keys = append(keys, 999, 3) // 999 has no entries; 3 is asked twice
	want[999] = []int64{}
	q := db.ListQuery{
		Branch: "SELECT owner AS k, item AS v, at AS o1, id AS o2 FROM entries WHERE owner = ? ORDER BY at DESC, id DESC LIMIT ?",
		Order:  "o1 DESC, o2 DESC",
	}

	for _, limit := range []int{-1, 3, 0} {
		got, err := db.Lists(ctx, gdb, q, keys, limit)
		if err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
		if len(got) != len(want) {
			t.Fatalf("limit %d: %d lists, want %d", limit, len(got), len(want))
		}
		for k, w := range want {
			if limit >= 0 && len(w) > limit {
				w = w[:limit]
			}
			if g, ok := got[k]; !ok || g == nil || !slices.Equal(g, w) {
				t.Fatalf("limit %d: list of %d = %v (present %v), want %v", limit, k, g, ok, w)
			}
		}
	}

	if _, err := db.Lists(ctx, gdb, db.ListQuery{Branch: "SELECT nothing", Order: "o"}, []int64{1}, 1); err == nil ||
		!strings.Contains(err.Error(), "read 1 lists") {
		t.Fatalf("a bad query: %v, want an error that says what was read", err)
	}
}
