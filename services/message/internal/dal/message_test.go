//go:build integration

package dal

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/cache/cachetest"
	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/services/message/internal/biz"
	"simpletiktok/services/message/migrations"
)

// frozen is a clock that stands still until moved, so that several messages fall in one
// millisecond.
type frozen struct {
	mu sync.Mutex
	t  time.Time
}

func (c *frozen) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *frozen) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var epoch = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// everyone is a user directory in which every user exists.
type everyone struct{}

func (everyone) Exists(context.Context, int64) (bool, error) { return true, nil }

// newRepo returns the repository over a fresh schema with a cache on a Redis of the test's own,
// and the rules over it with a frozen clock: a message's time comes from the two together.
func newRepo(t *testing.T) (*Messages, *biz.Messages, *frozen) {
	t.Helper()
	return openRepo(t, cachetest.Open(t, "message").Cache)
}

// newUncachedRepo is newRepo without a cache, as with redis.disabled.
func newUncachedRepo(t *testing.T) (*Messages, *biz.Messages, *frozen) {
	t.Helper()
	return openRepo(t, nil)
}

// openRepo is the repository over a fresh schema caching in c, and the rules over it with a
// frozen clock.
func openRepo(t *testing.T, c *cache.Cache) (*Messages, *biz.Messages, *frozen) {
	t.Helper()
	gdb := dbtest.OpenMigrated(t, migrations.FS())
	clock := &frozen{t: epoch}
	repo := NewMessages(gdb, c)
	return repo, biz.NewMessages(repo, everyone{}, clock.now), clock
}

func send(t *testing.T, rules *biz.Messages, from, to int64, content string) *biz.Message {
	t.Helper()
	m, err := rules.Send(context.Background(), from, to, content, "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func contents(msgs []*biz.Message) string {
	parts := make([]string, len(msgs))
	for i, m := range msgs {
		parts[i] = m.Content
	}
	return strings.Join(parts, ",")
}

func TestChatBothDirectionsInOrder(t *testing.T) {
	t.Run("cached", func(t *testing.T) { testChatBothDirectionsInOrder(t, newRepo) })
	t.Run("uncached", func(t *testing.T) { testChatBothDirectionsInOrder(t, newUncachedRepo) })
}

func testChatBothDirectionsInOrder(t *testing.T, open func(*testing.T) (*Messages, *biz.Messages, *frozen)) {
	repo, rules, clock := open(t)
	ctx := context.Background()
	first := send(t, rules, 1, 2, "a")
	if first.ID <= 0 || first.CreateTimeMs != epoch.UnixMilli() || first.FromUserID != 1 || first.ToUserID != 2 {
		t.Fatalf("first message = %+v", first)
	}
	send(t, rules, 2, 1, "b")
	send(t, rules, 1, 3, "other pair")
	send(t, rules, 3, 2, "another pair")
	clock.set(epoch.Add(time.Second))
	last := send(t, rules, 1, 2, "c")

	for _, viewer := range [][2]int64{{1, 2}, {2, 1}} {
		got, err := repo.Chat(ctx, viewer[0], viewer[1], 0, 100)
		if err != nil || contents(got) != "a,b,c" {
			t.Fatalf("Chat%v = %q, %v; want a,b,c", viewer, contents(got), err)
		}
	}
	// Strictly after pre_msg_time; the same request answers the same.
	for range 2 {
		got, _ := repo.Chat(ctx, 1, 2, first.CreateTimeMs, 100)
		if contents(got) != "b,c" {
			t.Fatalf("Chat after the first = %q; want b,c", contents(got))
		}
	}
	if got, _ := repo.Chat(ctx, 1, 2, last.CreateTimeMs, 100); len(got) != 0 {
		t.Fatalf("Chat after the last = %q; want nothing", contents(got))
	}
	if got, _ := repo.Chat(ctx, 1, 2, 0, 2); contents(got) != "a,b" {
		t.Fatalf("limited chat = %q; want the oldest two", contents(got))
	}
}

// Messages sent within one millisecond keep their order and get distinct times, so that reading
// on from the last time seen skips none of them.
func TestOneMillisecondKeepsOrderAndSkipsNothing(t *testing.T) {
	repo, rules, _ := newRepo(t)
	ctx := context.Background()
	var sent []*biz.Message
	for i := range 5 {
		sent = append(sent, send(t, rules, int64(1+i%2), int64(2-i%2), fmt.Sprint(i)))
	}
	for i := 1; i < len(sent); i++ {
		if sent[i].CreateTimeMs <= sent[i-1].CreateTimeMs || sent[i].ID <= sent[i-1].ID {
			t.Fatalf("message %d (%+v) is not after message %d (%+v)", i, sent[i], i-1, sent[i-1])
		}
	}
	// A client that reads one message at a time, on from the last time it saw, sees them all.
	var seen []string
	after := int64(0)
	for {
		page, err := repo.Chat(ctx, 1, 2, after, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		seen = append(seen, page[0].Content)
		after = page[0].CreateTimeMs
	}
	if strings.Join(seen, ",") != "0,1,2,3,4" {
		t.Fatalf("read on one at a time: %v", seen)
	}
}

func TestLatestPerPair(t *testing.T) {
	t.Run("cached", func(t *testing.T) { testLatestPerPair(t, newRepo) })
	t.Run("uncached", func(t *testing.T) { testLatestPerPair(t, newUncachedRepo) })
}

func testLatestPerPair(t *testing.T, open func(*testing.T) (*Messages, *biz.Messages, *frozen)) {
	repo, rules, clock := open(t)
	ctx := context.Background()
	send(t, rules, 5, 2, "to 2 old")
	send(t, rules, 2, 5, "from 2")
	clock.set(epoch.Add(time.Minute))
	send(t, rules, 5, 9, "to 9")
	send(t, rules, 9, 4, "not about 5")

	// 5 is the high half of (2,5) and the low half of (5,9).
	latest, err := repo.Latest(ctx, 5, []int64{2, 9, 4, 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(latest) != 2 {
		t.Fatalf("Latest = %+v; want peers 2 and 9 only", latest)
	}
	if m := latest[2]; m.Content != "from 2" || m.FromUserID != 2 || m.ToUserID != 5 {
		t.Fatalf("latest with 2 = %+v", m)
	}
	if m := latest[9]; m.Content != "to 9" || m.FromUserID != 5 || m.ToUserID != 9 || m.CreateTimeMs != epoch.Add(time.Minute).UnixMilli() {
		t.Fatalf("latest with 9 = %+v", m)
	}
	if only, _ := repo.Latest(ctx, 5, []int64{9}); len(only) != 1 || only[9].Content != "to 9" {
		t.Fatalf("Latest above only = %+v", only)
	}
	if only, _ := repo.Latest(ctx, 5, []int64{2}); len(only) != 1 || only[2].Content != "from 2" {
		t.Fatalf("Latest below only = %+v", only)
	}
	// Several friend lists at once, sharing a pair: each gets its own peers' messages.
	lists, err := repo.LatestOf(ctx, []biz.LatestQuery{{User: 5, Peers: []int64{9, 7}}, {User: 9, Peers: []int64{5, 4}}, {User: 2, Peers: []int64{5}}})
	if err != nil || len(lists) != 3 || len(lists[0]) != 1 || lists[0][9].Content != "to 9" ||
		len(lists[1]) != 2 || lists[1][5].Content != "to 9" || lists[1][4].Content != "not about 5" ||
		len(lists[2]) != 1 || lists[2][5].Content != "from 2" {
		t.Fatalf("LatestOf three lists = %+v, %v", lists, err)
	}
}

// Concurrent sends in one conversation, both ways: every message is stored once, times are
// distinct and follow the ids, and the latest row names the last message.
func TestConcurrentSendsInOnePair(t *testing.T) {
	repo, rules, _ := newRepo(t)
	ctx := context.Background()
	const n = 60
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from, to := int64(1), int64(2)
			if i%2 == 1 {
				from, to = to, from
			}
			if _, err := rules.Send(ctx, from, to, fmt.Sprint("m", i), ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	all, err := repo.Chat(ctx, 1, 2, 0, 1000)
	if err != nil || len(all) != n {
		t.Fatalf("Chat = %d messages, %v; want %d", len(all), err, n)
	}
	for i := 1; i < n; i++ {
		if all[i].CreateTimeMs <= all[i-1].CreateTimeMs || all[i].ID <= all[i-1].ID {
			t.Fatalf("message %d %+v is not after %+v", i, all[i], all[i-1])
		}
	}
	latest, err := repo.Latest(ctx, 2, []int64{1})
	if err != nil || latest[1].ID != all[n-1].ID || latest[1].Content != all[n-1].Content {
		t.Fatalf("latest = %+v, %v; want the last message %+v", latest[1], err, all[n-1])
	}
}

func TestContentAtTheLimitIsStoredWhole(t *testing.T) {
	repo, rules, _ := newRepo(t)
	long := strings.Repeat("😀", biz.MaxContentLen)
	send(t, rules, 1, 2, long)
	got, err := repo.Chat(context.Background(), 2, 1, 0, 10)
	if err != nil || len(got) != 1 || got[0].Content != long {
		t.Fatalf("stored content differs (%v)", err)
	}
}

// sendTime sees the time of the pair's own latest message (0 for a new pair), whichever way the
// pair's messages went, and the message is stored at the time it picks.
func TestCreateAsksForATimeAfterThePairsLatest(t *testing.T) {
	repo, _, _ := newRepo(t)
	ctx := context.Background()
	var seen []int64
	for _, m := range []struct{ from, to, at int64 }{{1, 2, 100}, {2, 1, 300}, {3, 1, 200}, {1, 2, 400}} {
		msg := &biz.Message{FromUserID: m.from, ToUserID: m.to, Content: "x"}
		_, err := repo.Create(ctx, msg, time.Time{}, func(latest int64) int64 { seen = append(seen, latest); return m.at })
		if err != nil || msg.ID <= 0 || msg.CreateTimeMs != m.at {
			t.Fatalf("Create = %v, %+v; want stored at %d", err, msg, m.at)
		}
	}
	if fmt.Sprint(seen) != "[0 100 0 300]" {
		t.Fatalf("sendTime saw %v; want [0 100 0 300]", seen)
	}
}

// One send repeated many times at once with its request key (a client retrying a send whose answer
// it did not get) stores one message; every sender gets it, and it is the pair's latest.
func TestConcurrentRepeatsOfOneKeyedSend(t *testing.T) {
	repo, rules, _ := newRepo(t)
	ctx := context.Background()
	const tries = 20
	got := make([]*biz.Message, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() {
			var err error
			if got[i], err = rules.Send(ctx, 1, 2, "once only", "k-42"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, m := range got {
		if m.ID != got[0].ID {
			t.Fatalf("repeats answered messages %d and %d; want one", got[0].ID, m.ID)
		}
	}
	all, err := repo.Chat(ctx, 1, 2, 0, 1000)
	latest, lerr := repo.Latest(ctx, 1, []int64{2})
	if err != nil || lerr != nil || len(all) != 1 || latest[2].ID != got[0].ID {
		t.Fatalf("after %d repeats: %d messages (%v), latest %+v (%v); want the one message", tries, len(all), err, latest[2], lerr)
	}
}
