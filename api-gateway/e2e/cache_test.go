//go:build integration

package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"gorm.io/gorm"

	"simpletiktok/api-gateway/e2e/e2etest"
	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
)

// The stack's services cache in the test binary's own Redis (stack_test.go). These tests check,
// through the gateway, that a write the phone was told succeeded is in every later read, however
// the cache stands: racing readers, Redis stopped, restarted with old data, flushed.

// likedAs reads, as the owner of token, whether video is liked in the feed and its count.
func likedAs(t *testing.T, token string, video int64) (bool, int64) {
	t.Helper()
	v := feedVideo(t, token, video)
	return v["is_favorite"] == true, e2etest.AsInt(v["favorite_count"])
}

// inList reports whether id is among the list's items.
func inList(items []map[string]any, id int64) bool { return e2etest.WithID(items, id) != nil }

// friendMessage is the latest message the friend list of who shows with friend.
func friendMessage(t *testing.T, who member, friend int64) string {
	t.Helper()
	f := e2etest.WithID(users(t, "/douyin/relation/friend/list/", who, who), friend)
	if f == nil {
		t.Fatalf("%d is not in the friend list of %d", friend, who.id)
	}
	msg, _ := f["message"].(string)
	return msg
}

// Writers like, follow, comment and chat while readers read the same pages as fast as they can,
// so that reads of old values race every invalidation. After each acknowledged write its writer
// reads, and must see it: the flag and count of the like, the favorite list, is_follow and the
// follow list, the comment in the list, the latest message in the friend list. Afterwards the
// counters equal the rows.
func TestAcknowledgedWritesAreReadBackThroughTheCache(t *testing.T) {
	author := join(t, "cached_author")
	video := publish(t, author.token, "read back through the cache")
	const writers, rounds = 4, 6 // an even number of rounds ends every like and follow undone
	type pairOf struct{ w, friend member }
	pairs := make([]pairOf, writers)
	for i := range pairs {
		pairs[i] = pairOf{join(t, "cached_writer"), join(t, "cached_friend")}
		follow(t, pairs[i].w, pairs[i].friend)
		follow(t, pairs[i].friend, pairs[i].w)
	}
	hitsBefore := shared.redis.Bind(t).Stat("keyspace_hits")

	// Writers and readers are subtests run from goroutines of their own, all at once (t.Parallel
	// would hold them to -parallel at a time, and readers that wait for the writers could take
	// every slot).
	stop := make(chan struct{})
	var writing, reading sync.WaitGroup
	var commented atomic.Int64 // comments acknowledged so far, by all the writers
	for i, p := range pairs {
		writing.Add(1)
		go func() {
			defer writing.Done()
			t.Run(fmt.Sprintf("writer %d", i), func(t *testing.T) {
				writeAndReadBack(t, p.w, p.friend, author, video, rounds, &commented)
			})
		}()
	}
	for i := range 3 {
		reading.Add(1)
		go func() {
			defer reading.Done()
			t.Run(fmt.Sprintf("reader %d", i), func(t *testing.T) {
				p := pairs[i%writers]
				for {
					select {
					case <-stop:
						return
					default:
					}
					likedAs(t, p.w.token, video)
					likedAs(t, "", video) // the anonymous newest page, shared by the readers
					userAs(t, p.w.token, author.id)
					commentList(t, "", video)
					friendMessage(t, p.w, p.friend.id)
				}
			})
		}()
	}
	writing.Wait()
	close(stop)
	reading.Wait()
	if t.Failed() {
		return
	}

	// Settled: what the phone sees equals the rows.
	if liked, n := likedAs(t, author.token, video); liked || n != 0 {
		t.Fatalf("after every like was undone: is_favorite %v, favorite_count %d", liked, n)
	}
	if n := e2etest.AsInt(userAs(t, author.token, author.id)["follower_count"]); n != 0 {
		t.Fatalf("after every follow was undone: follower_count %d", n)
	}
	comments := commentList(t, "", video)
	if len(comments) != writers*rounds || e2etest.AsInt(feedVideo(t, author.token, video)["comment_count"]) != writers*rounds {
		t.Fatalf("comment list %d, comment_count %d; want %d", len(comments), e2etest.AsInt(feedVideo(t, author.token, video)["comment_count"]), writers*rounds)
	}
	rows := func(schema, query string, args ...any) int64 {
		gdb := openSchema(t, schema)
		var n int64
		if err := gdb.Raw(query, args...).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := rows("favorite", "SELECT COUNT(*) FROM likes WHERE video_id = ?", video); n != 0 {
		t.Fatalf("%d like rows remain", n)
	}
	if n := rows("comment", "SELECT COUNT(*) FROM comments WHERE video_id = ? AND deleted_at IS NULL", video); n != writers*rounds {
		t.Fatalf("%d comment rows; want %d", n, writers*rounds)
	}
	if n := rows("relation", "SELECT COUNT(*) FROM follows WHERE followee_id = ? AND active", author.id); n != 0 {
		t.Fatalf("%d follows of the author remain", n)
	}
	if shared.redis.Bind(t).Stat("keyspace_hits") <= hitsBefore {
		t.Fatal("Redis served no hit: the reads did not go through the cache")
	}
	// The services count their lookups: tiktok_cache_requests_total{service,result}.
	for _, s := range []string{"favorite", "relation", "comment", "message"} {
		if hits := scrapeOf(t, s).value("tiktok_cache_requests_total", l("service", s, "result", "hit")); hits == 0 {
			t.Errorf("%s counts no cache hit", s)
		}
	}
}

// writeAndReadBack is one writer of TestAcknowledgedWritesAreReadBackThroughTheCache: each round
// it likes or unlikes the video, follows or unfollows the author, comments and writes to its
// friend, and reads each write back. commented counts the comments all the writers have had
// acknowledged: the anonymous newest feed page, which concurrent requests share, must count at
// least those acknowledged before it was asked for.
func writeAndReadBack(t *testing.T, w, friend, author member, video int64, rounds int, commented *atomic.Int64) {
	for round := range rounds {
		on := round%2 == 0
		action := map[bool]string{true: "1", false: "2"}[on]
		e2etest.OK(t, favoriteAction(t, w.token, video, action))
		if liked, _ := likedAs(t, w.token, video); liked != on {
			t.Fatalf("round %d: is_favorite %v after an acknowledged like=%v", round, liked, on)
		}
		if in := inList(favoriteList(t, w.token, w.id), video); in != on {
			t.Fatalf("round %d: video in the favorite list: %v; want %v", round, in, on)
		}
		if n := e2etest.AsInt(userAs(t, w.token, w.id)["favorite_count"]); n != map[bool]int64{true: 1, false: 0}[on] {
			t.Fatalf("round %d: favorite_count %d after an acknowledged like=%v", round, n, on)
		}

		e2etest.OK(t, relate(t, w, author.id, action))
		if f := userAs(t, w.token, author.id)["is_follow"]; f != on {
			t.Fatalf("round %d: is_follow %v after an acknowledged follow=%v", round, f, on)
		}
		if in := inList(users(t, "/douyin/relation/follow/list/", w, w), author.id); in != on {
			t.Fatalf("round %d: author in the follow list: %v; want %v", round, in, on)
		}

		text := fmt.Sprintf("cached comment %d of %d", round, w.id)
		id := e2etest.AsInt(e2etest.OK(t, postComment(t, w.token, video, text)).Obj("comment")["id"])
		if !inList(commentList(t, w.token, video), id) {
			t.Fatalf("round %d: comment %d is not in the list after it was acknowledged", round, id)
		}
		acknowledged := commented.Add(1)
		if n := e2etest.AsInt(feedVideo(t, "", video)["comment_count"]); n < acknowledged {
			t.Fatalf("round %d: the anonymous feed counts %d comments after %d were acknowledged", round, n, acknowledged)
		}

		content := fmt.Sprintf("cached message %d", round)
		e2etest.OK(t, send(t, w, friend.id, content))
		if got := friendMessage(t, w, friend.id); got != content {
			t.Fatalf("round %d: friend list shows %q after %q was acknowledged", round, got, content)
		}
	}
}

// openSchema opens one of the stack's schemas for a check of its rows.
func openSchema(t *testing.T, service string) *gorm.DB {
	t.Helper()
	gdb, err := db.Open(context.Background(), config.MySQL{DSN: dbtest.DSN(), Database: shared.schemaPrefix + service},
		opentracing.NoopTracer{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := gdb.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return gdb
}

// Redis stopped, restarted with the values it held before a write, flushed: every answer stays
// right, and once Redis answers the stack serves from it again (Redis's own hit counter grows).
func TestRedisStoppedRestartedFlushed(t *testing.T) {
	redis := shared.redis.Bind(t)
	author, fan := join(t, "fault_author"), join(t, "fault_fan")
	video := publish(t, author.token, "through Redis faults")
	want := func(step string, liked bool, follows bool) {
		t.Helper()
		n := map[bool]int64{true: 1, false: 0}
		if got, count := likedAs(t, fan.token, video); got != liked || count != n[liked] {
			t.Fatalf("%s: is_favorite %v, favorite_count %d; want %v, %d", step, got, count, liked, n[liked])
		}
		if in := inList(favoriteList(t, fan.token, fan.id), video); in != liked {
			t.Fatalf("%s: video in the favorite list: %v; want %v", step, in, liked)
		}
		u := userAs(t, fan.token, author.id)
		if u["is_follow"] != follows || e2etest.AsInt(u["follower_count"]) != n[follows] || e2etest.AsInt(u["total_favorited"]) != n[liked] {
			t.Fatalf("%s: author seen by the fan: %v; want is_follow %v", step, u, follows)
		}
	}
	// usedAgain reads until Redis serves hits again (it is retried within a second of coming back);
	// every answer meanwhile must be right. The bound only stops a broken stack from hanging.
	usedAgain := func(step string, liked, follows bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			before := redis.Stat("keyspace_hits")
			want(step, liked, follows)
			if redis.Stat("keyspace_hits") > before {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: Redis serves no hit after it came back", step)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	want("before any write", false, false) // and cached
	redis.Stop()                           // saves what it holds
	e2etest.OK(t, favoriteAction(t, fan.token, video, "1"))
	follow(t, fan, author)
	want("written while Redis is stopped", true, true)
	redis.Restart() // with the values saved before the writes
	usedAgain("Redis back with its old data", true, true)

	redis.Flush()
	e2etest.OK(t, favoriteAction(t, fan.token, video, "2"))
	want("unliked after a flush", false, true)
	usedAgain("after a flush", false, true)

	// Each service keeps its keys under its own schema's name.
	for _, k := range redis.Keys("*") {
		if !slices.ContainsFunc(services, func(s string) bool { return strings.HasPrefix(k, shared.schemaPrefix+s+":") }) {
			t.Fatalf("key %q is outside every service's space", k)
		}
	}
}

// A page read all the time keeps its values in the cache: the services renew them before they
// expire (redis.renew_before), count the renewals, and a write still shows at once in the page
// whose counters they renew.
func TestValuesReadAllTheTimeAreRenewed(t *testing.T) {
	author := join(t, "renewed_author")
	fan := join(t, "renewed_fan")
	video := publish(t, author.token, "read all the time")
	services := []string{"video", "favorite", "comment", "relation"}
	before := map[string]float64{}
	for _, s := range services {
		before[s] = scrapeOf(t, s).value("tiktok_cache_renewals_total", l("service", s))
	}
	// Three lives of a value (redis.ttl, 1 s), read every 50 ms: each value is read in its last
	// 250 ms, when a read renews it.
	for range 60 {
		feedVideo(t, "", video)
		time.Sleep(50 * time.Millisecond)
	}
	for _, s := range services {
		if after := scrapeOf(t, s).value("tiktok_cache_renewals_total", l("service", s)); after <= before[s] {
			t.Errorf("%s renewed no value of a page read 20 times a second (%v renewals before, %v after)", s, before[s], after)
		}
	}
	e2etest.OK(t, favoriteAction(t, fan.token, video, "1"))
	if liked, n := likedAs(t, fan.token, video); !liked || n != 1 {
		t.Fatalf("after an acknowledged like of a renewed page: is_favorite %v, favorite_count %d; want true, 1", liked, n)
	}
}
