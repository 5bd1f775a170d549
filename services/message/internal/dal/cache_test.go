//go:build integration

package dal

import (
	"context"
	"fmt"
	"testing"
	"time"

	"simpletiktok/pkg/cache/cachetest"
	"simpletiktok/services/message/internal/biz"
)

// expectLatest checks that m is the latest message of its pair, seen from either side, and that
// a poll after the message before it returns it.
func expectLatest(ctx context.Context, repo *Messages, m *biz.Message, prevMs int64) error {
	for _, side := range [][2]int64{{m.FromUserID, m.ToUserID}, {m.ToUserID, m.FromUserID}} {
		latest, err := repo.Latest(ctx, side[0], []int64{side[1]})
		if err != nil {
			return err
		}
		if got := latest[side[1]]; got == nil || got.ID != m.ID || got.Content != m.Content {
			return fmt.Errorf("latest of %d with %d = %+v; want %+v", side[0], side[1], got, m)
		}
	}
	polled, err := repo.Chat(ctx, m.ToUserID, m.FromUserID, prevMs, 100)
	if err != nil {
		return err
	}
	if len(polled) == 0 || polled[len(polled)-1].ID != m.ID {
		return fmt.Errorf("poll after %d = %d messages; want it to end with %d", prevMs, len(polled), m.ID)
	}
	return nil
}

// Writers send while readers poll and read the friend list's latest messages as fast as they
// can; after each acknowledged send its writer reads, and must see the message.
func TestReadsAfterAcknowledgedWritesThroughTheCache(t *testing.T) {
	c := cachetest.Open(t, "message")
	repo, rules, _ := openRepo(t, c.Cache)
	ctx := context.Background()
	const writers, rounds = 5, 12
	// Writer w writes to 100+w, who writes back every other round.
	c.Race(t, 4, func(r int) {
		w := int64(r % writers)
		_, _ = repo.Latest(ctx, 100+w, []int64{1 + w})
		_, _ = repo.Chat(ctx, 100+w, 1+w, time.Now().UnixMilli(), 100)
	}, writers, func(w int) error {
		prev := int64(0)
		for round := range rounds {
			from, to := int64(1+w), int64(100+w)
			if round%2 == 1 {
				from, to = to, from
			}
			m, err := rules.Send(ctx, from, to, fmt.Sprintf("round %d", round), "")
			if err != nil {
				return err
			}
			if err := expectLatest(ctx, repo, m, prev); err != nil {
				return fmt.Errorf("round %d: %w", round, err)
			}
			prev = m.CreateTimeMs
		}
		return nil
	})
}

// Redis stopped, restarted with what it had saved, flushed, frozen: the latest message and the
// polls stay right, and the cache is used again once Redis answers.
func TestRedisFaults(t *testing.T) {
	c := cachetest.Open(t, "message")
	repo, rules, clock := openRepo(t, c.Cache)
	ctx := context.Background()
	var last *biz.Message
	prev := int64(0)
	send := func(step string) {
		t.Helper()
		clock.set(clock.now().Add(time.Second))
		m, err := rules.Send(ctx, 1, 2, step, "")
		if err != nil {
			t.Fatal(err)
		}
		if last != nil {
			prev = last.CreateTimeMs
		}
		last = m
	}
	check := func(step string) {
		t.Helper()
		if err := expectLatest(ctx, repo, last, prev); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	send("first")
	check("first")
	c.Server.Stop()
	send("sent while Redis is stopped")
	check("sent while Redis is stopped")
	c.Server.Restart()
	c.UsedAgain(t, "Redis restarted with its old data", check)
	c.Server.Flush()
	send("after a flush")
	c.UsedAgain(t, "after a flush", check)
	c.Server.Freeze()
	send("sent while Redis is frozen")
	check("sent while Redis is frozen")
	c.Server.Thaw()
	c.UsedAgain(t, "Redis thawed", check)
}
