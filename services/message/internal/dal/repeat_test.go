//go:build integration

package dal

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/services/message/internal/biz"
)

// A keyless send that repeats its sender's exact text to the same receiver within the window
// stores nothing and answers the first message, which stays the pair's latest; text equal only
// under the column's collation (case, trailing spaces), the other direction, another receiver, and
// the same text after the window each store a new message.
func TestSendFindsTheRepeat(t *testing.T) {
	repo, rules, clock := newRepo(t)
	ctx := context.Background()
	first := send(t, rules, 1, 2, "hello")
	_, _ = repo.Latest(ctx, 1, []int64{2}) // cached now: a repeat must leave the cache right too

	clock.set(epoch.Add(5 * time.Second))
	if again := send(t, rules, 1, 2, "hello"); !sameStored(again, first) {
		t.Fatalf("the repeat = %+v; want the first message %+v", again, first)
	}
	clock.set(epoch.Add(biz.RepeatWindow))
	if again := send(t, rules, 1, 2, "hello"); again.ID != first.ID {
		t.Fatalf("the repeat at the end of the window = %+v; want message %d", again, first.ID)
	}
	if latest, err := repo.Latest(ctx, 2, []int64{1}); err != nil || latest[1].ID != first.ID {
		t.Fatalf("latest after the repeats = %+v, %v; want message %d", latest[1], err, first.ID)
	}

	clock.set(epoch.Add(time.Second))
	for _, s := range []struct {
		name     string
		from, to int64
		text     string
	}{
		{"other case", 1, 2, "Hello"},
		{"a trailing space", 1, 2, "hello "},
		{"the other way", 2, 1, "hello"},
		{"another receiver", 1, 3, "hello"},
	} {
		if got := send(t, rules, s.from, s.to, s.text); got.ID == first.ID || got.Content != s.text {
			t.Fatalf("%s: Send = %+v; want a new message", s.name, got)
		}
	}
	clock.set(epoch.Add(biz.RepeatWindow + time.Millisecond))
	late := send(t, rules, 1, 2, "hello")
	if late.ID == first.ID {
		t.Fatalf("the same text after the window = %+v; want a new message", late)
	}
	clock.set(epoch.Add(biz.RepeatWindow + time.Second))
	if again := send(t, rules, 1, 2, "hello"); again.ID != late.ID {
		t.Fatalf("its repeat = %+v; want message %d", again, late.ID)
	}
	all, err := repo.Chat(ctx, 1, 2, 0, 100)
	if err != nil || contents(all) != "hello,Hello,hello ,hello,hello" {
		t.Fatalf("Chat = %q, %v; want hello,Hello,hello ,hello,hello", contents(all), err)
	}
	if latest, err := repo.Latest(ctx, 1, []int64{2}); err != nil || latest[2].ID != late.ID {
		t.Fatalf("latest = %+v, %v; want message %d", latest[2], err, late.ID)
	}
}

// Identical keyless sends at once (a phone and the gateway repeating a send whose outcome they did
// not learn) store one message, in a new conversation (no pair row to lock yet: the first insert
// of it makes the others wait) and in one with messages; every sender is answered that message,
// and it is the pair's latest. Keyed sends are unchanged: the same text at once with other keys
// stores a message each.
func TestConcurrentKeylessRepeatsStoreOne(t *testing.T) {
	for _, older := range []bool{false, true} {
		t.Run(fmt.Sprint("older messages ", older), func(t *testing.T) {
			repo, rules, _ := newRepo(t)
			ctx := context.Background()
			before := 0
			if older {
				send(t, rules, 2, 1, "hi")
				before = 1
			}
			const tries = 16
			got := make([]*biz.Message, tries)
			for i, err := range dbtest.AtOnce(tries, func(i int) (err error) {
				got[i], err = rules.Send(ctx, 1, 2, "only once", "")
				return err
			}) {
				if err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			for _, m := range got {
				if !sameStored(m, got[0]) {
					t.Fatalf("the sends answered %+v and %+v; want one message", got[0], m)
				}
			}
			all, err := repo.Chat(ctx, 1, 2, 0, 1000)
			if err != nil || len(all) != before+1 || all[before].ID != got[0].ID {
				t.Fatalf("Chat = %q, %v; want %d messages ending with %d", contents(all), err, before+1, got[0].ID)
			}
			latest, err := repo.Latest(ctx, 2, []int64{1})
			if err != nil || latest[1].ID != got[0].ID || latest[1].Content != "only once" {
				t.Fatalf("latest = %+v, %v; want message %d", latest[1], err, got[0].ID)
			}

			for i, err := range dbtest.AtOnce(4, func(i int) error {
				_, err := rules.Send(ctx, 1, 2, "only once", fmt.Sprint("key-", i))
				return err
			}) {
				if err != nil {
					t.Fatalf("keyed send %d: %v", i, err)
				}
			}
			if all, err := repo.Chat(ctx, 1, 2, 0, 1000); err != nil || len(all) != before+5 {
				t.Fatalf("after 4 keyed sends Chat = %q, %v; want %d messages", contents(all), err, before+5)
			}
		})
	}
}

// The look for a repeat reads a range of idx_messages_pair_time (the pair, since the start of the
// window), not the pair's whole conversation or the table.
func TestRepeatLookupIsARangeScan(t *testing.T) {
	repo, rules, clock := newRepo(t)
	ctx := context.Background()
	for i := range 300 {
		clock.set(epoch.Add(time.Duration(i) * time.Second))
		send(t, rules, int64(1+i%5), int64(10+i%7), fmt.Sprint("message ", i))
	}
	gdb := repo.db
	if err := gdb.Exec("ANALYZE TABLE messages").Error; err != nil {
		t.Fatal(err)
	}
	m := &biz.Message{FromUserID: 1, ToUserID: 10, Content: "message 0"}
	since := epoch.Add(290 * time.Second)
	query := gdb.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var rows []messageRow
		return repeatQuery(tx, 1, 10, m, since).Find(&rows)
	})
	var plan []struct {
		Type string
		Key  *string
	}
	if err := gdb.WithContext(ctx).Raw("EXPLAIN " + query).Scan(&plan).Error; err != nil {
		t.Fatal(err)
	}
	if len(plan) != 1 || plan[0].Type != "range" || plan[0].Key == nil || *plan[0].Key != "idx_messages_pair_time" {
		t.Fatalf("EXPLAIN %s = %+v; want a range of idx_messages_pair_time", query, plan)
	}
}

// sameStored says whether a and b are the same stored message, whichever send stored it (Fresh).
func sameStored(a, b *biz.Message) bool {
	x, y := *a, *b
	x.Fresh, y.Fresh = false, false
	return x == y
}
