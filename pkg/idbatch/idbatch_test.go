package idbatch

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"simpletiktok/pkg/errno"
)

func TestUniqueKeepsPositiveIDsOnceInOrder(t *testing.T) {
	got := Unique([]int64{3, 0, 1, 3, -2, 2, 1})
	if fmt.Sprint(got) != "[3 1 2]" {
		t.Fatalf("Unique = %v; want [3 1 2]", got)
	}
	if got := Unique(nil); got == nil || len(got) != 0 {
		t.Fatalf("Unique(nil) = %#v; want an empty slice", got)
	}
}

func TestCheckRefusesMoreThanOneBatch(t *testing.T) {
	ids := make([]int64, Max+1)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	if _, err := Check(ids, "user"); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("Check of %d ids = %v; want BadRequest", len(ids), err)
	}
	// Duplicates do not count against the bound.
	if got, err := Check(append(ids[:Max], ids[:Max]...), "user"); err != nil || len(got) != Max {
		t.Fatalf("Check of %d distinct ids = %d, %v", Max, len(got), err)
	}
}

func TestQueriesKeepEachQuerysIDAndEachIDOnce(t *testing.T) {
	type query struct{ user int64 }
	user := func(q query) int64 { return q.user }
	each, distinct, err := Queries([]query{{3}, {1}, {3}, {1}}, "user_id", user)
	if err != nil || fmt.Sprint(each) != "[3 1 3 1]" || fmt.Sprint(distinct) != "[3 1]" {
		t.Fatalf("Queries = %v, %v, %v; want [3 1 3 1], [3 1]", each, distinct, err)
	}
	if _, _, err := Queries([]query{}, "user_id", user); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("Queries of no query = %v; want BadRequest", err)
	}
	// A list of user 0 is asked by mistake: the whole batch is refused, naming the field.
	_, _, err = Queries([]query{{3}, {0}}, "user_id", user)
	if !errors.Is(err, errno.BadRequest) || !strings.Contains(err.Error(), "user_id") {
		t.Fatalf("Queries with id 0 = %v; want BadRequest naming user_id", err)
	}
}
