//go:build integration

package dal

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/cache/cachetest"
	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/services/relation/internal/biz"
	"simpletiktok/services/relation/migrations"
)

// tick is a clock that moves one millisecond per reading, so that "newest first" is decided by
// the order of the calls.
type tick struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tick) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// ticking is the repository with every follow dated by a clock that ticks, as biz dates them.
type ticking struct {
	*Relations
	clock *tick
}

func (r ticking) Follow(ctx context.Context, follower, followee int64) (bool, error) {
	return r.Relations.Follow(ctx, follower, followee, r.clock.now())
}

// newRepo is the repository over a schema of the test's own, with a cache on a Redis of the
// test's own: the tests of the repository run through the cache, the way the service runs.
func newRepo(t *testing.T) (ticking, *gorm.DB) {
	t.Helper()
	return openRepo(t, cachetest.Open(t, "relation").Cache)
}

// newUncachedRepo is the repository without a cache, as with redis.disabled.
func newUncachedRepo(t *testing.T) (ticking, *gorm.DB) {
	t.Helper()
	return openRepo(t, nil)
}

func openRepo(t *testing.T, c *cache.Cache) (ticking, *gorm.DB) {
	t.Helper()
	gdb := dbtest.OpenMigrated(t, migrations.FS())
	clock := &tick{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	return ticking{NewRelations(gdb, c), clock}, gdb
}

func mustChange(t *testing.T, want bool) func(bool, error) {
	t.Helper()
	return func(changed bool, err error) {
		t.Helper()
		if err != nil || changed != want {
			t.Fatalf("changed = %v, %v; want %v", changed, err, want)
		}
	}
}

func TestFollowUnfollowAndCounters(t *testing.T) {
	t.Run("cached", func(t *testing.T) { testFollowUnfollow(t, newRepo) })
	t.Run("uncached", func(t *testing.T) { testFollowUnfollow(t, newUncachedRepo) })
}

func testFollowUnfollow(t *testing.T, open func(*testing.T) (ticking, *gorm.DB)) {
	repo, _ := open(t)
	ctx := context.Background()
	mustChange(t, true)(repo.Follow(ctx, 1, 2))
	mustChange(t, false)(repo.Follow(ctx, 1, 2))
	mustChange(t, true)(repo.Follow(ctx, 3, 2))
	mustChange(t, false)(repo.Unfollow(ctx, 2, 1)) // never followed

	stats, err := countsOf(ctx, repo, []int64{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	if stats[1] != (biz.Stats{FollowCount: 1}) || stats[2] != (biz.Stats{FollowerCount: 2}) ||
		stats[3] != (biz.Stats{FollowCount: 1}) {
		t.Fatalf("stats = %+v", stats)
	}
	if stats[4] != (biz.Stats{}) {
		t.Fatalf("a user without relations has counts %+v", stats[4])
	}

	mustChange(t, true)(repo.Unfollow(ctx, 1, 2))
	mustChange(t, false)(repo.Unfollow(ctx, 1, 2))
	stats, _ = countsOf(ctx, repo, []int64{1, 2})
	if stats[1] != (biz.Stats{}) || stats[2] != (biz.Stats{FollowerCount: 1}) {
		t.Fatalf("stats after unfollow = %+v", stats)
	}
	following, err := followsOf(ctx, repo, 3, []int64{1, 2, 4})
	if err != nil || len(following) != 1 || !following[2] {
		t.Fatalf("Following = %v, %v", following, err)
	}
}

func TestListsAreNewestFirst(t *testing.T) {
	t.Run("cached", func(t *testing.T) { testListsNewestFirst(t, newRepo) })
	t.Run("uncached", func(t *testing.T) { testListsNewestFirst(t, newUncachedRepo) })
}

func testListsNewestFirst(t *testing.T, open func(*testing.T) (ticking, *gorm.DB)) {
	repo, _ := open(t)
	ctx := context.Background()
	for _, f := range [][2]int64{{1, 2}, {1, 3}, {1, 4}, {3, 1}, {5, 1}, {2, 1}, {1, 5}} {
		mustChange(t, true)(repo.Follow(ctx, f[0], f[1]))
	}
	// Refollowing makes the relation new again.
	mustChange(t, true)(repo.Unfollow(ctx, 1, 2))
	mustChange(t, true)(repo.Follow(ctx, 1, 2))

	following, err := oneList(repo.ListFollowing)(ctx, 1, 10)
	if err != nil || !equal(following, 2, 5, 4, 3) {
		t.Fatalf("following = %v, %v; want [2 5 4 3]", following, err)
	}
	followers, err := oneList(repo.ListFollowers)(ctx, 1, 10)
	if err != nil || !equal(followers, 2, 5, 3) {
		t.Fatalf("followers = %v, %v; want [2 5 3]", followers, err)
	}
	// Friendships date from the later follow: 2 (refollowed last), then 5, then 3.
	friends, err := oneList(repo.ListFriends)(ctx, 1, 10)
	if err != nil || !equal(friends, 2, 5, 3) {
		t.Fatalf("friends = %v, %v; want [2 5 3]", friends, err)
	}
	if f, _ := oneList(repo.ListFriends)(ctx, 4, 10); len(f) != 0 {
		t.Fatalf("4 follows nobody but has friends %v", f)
	}
	if limited, _ := oneList(repo.ListFollowing)(ctx, 1, 2); !equal(limited, 2, 5) {
		t.Fatalf("limited following = %v", limited)
	}
	// Several users' lists at once (a batch of lists) are each user's list.
	all, err := repo.ListFollowers(ctx, []int64{1, 4, 6}, 10)
	if err != nil || !equal(all[1], 2, 5, 3) || !equal(all[4], 1) || all[6] == nil || len(all[6]) != 0 {
		t.Fatalf("followers of 1, 4 and 6 = %v, %v; want [2 5 3], [1] and an empty list", all, err)
	}
}

// Hundreds of concurrent follows and unfollows among a few users, in both directions of each pair:
// afterwards every counter equals COUNT(*) of the rows, and every call that said it changed
// something did. No call fails (a deadlock would surface here as an error).
func TestCountersStayExactUnderConcurrency(t *testing.T) {
	repo, gdb := newRepo(t)
	ctx := context.Background()
	const users, ops = 6, 600
	rng := rand.New(rand.NewPCG(1, 2))
	type op struct {
		from, to int64
		follow   bool
	}
	plan := make([]op, ops)
	for i := range plan {
		from := int64(rng.IntN(users) + 1)
		to := int64(rng.IntN(users-1) + 1)
		if to >= from {
			to++
		}
		plan[i] = op{from, to, rng.IntN(3) > 0}
	}

	// net[from][to] sums +1 for each follow and -1 for each unfollow that reported a change.
	var net [users + 1][users + 1]atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, o := range plan {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var changed bool
			var err error
			if o.follow {
				changed, err = repo.Follow(ctx, o.from, o.to)
			} else {
				changed, err = repo.Unfollow(ctx, o.from, o.to)
			}
			if err != nil {
				t.Errorf("%+v: %v", o, err)
				return
			}
			if changed && o.follow {
				net[o.from][o.to].Add(1)
			} else if changed {
				net[o.from][o.to].Add(-1)
			}
		}()
	}
	close(start)
	wg.Wait()

	ids := make([]int64, users)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	stats, err := countsOf(ctx, repo, ids)
	if err != nil {
		t.Fatal(err)
	}
	total := int64(0)
	for _, id := range ids {
		var follows, followers int64
		gdb.Model(&followRow{}).Where("follower_id = ? AND active", id).Count(&follows)
		gdb.Model(&followRow{}).Where("followee_id = ? AND active", id).Count(&followers)
		if stats[id].FollowCount != follows || stats[id].FollowerCount != followers {
			t.Errorf("user %d: counters %+v; rows say follows %d, followers %d", id, stats[id], follows, followers)
		}
		total += follows
		for _, to := range ids {
			var rows int64
			gdb.Model(&followRow{}).Where("follower_id = ? AND followee_id = ? AND active", id, to).Count(&rows)
			if n := net[id][to].Load(); n != rows {
				t.Errorf("%d -> %d: reported net change %d, rows %d", id, to, n, rows)
			}
		}
	}
	if total == 0 {
		t.Fatal("the plan left no follows: it tests nothing")
	}
}

// Many concurrent follows of one pair make one relation and count once.
func TestConcurrentSameFollowCountsOnce(t *testing.T) {
	repo, _ := newRepo(t)
	ctx := context.Background()
	const n = 100
	var changed atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := repo.Follow(ctx, 7, 8)
			if err != nil {
				t.Error(err)
			}
			if c {
				changed.Add(1)
			}
		}()
	}
	wg.Wait()
	stats, _ := countsOf(ctx, repo, []int64{7, 8})
	if changed.Load() != 1 || stats[7] != (biz.Stats{FollowCount: 1}) || stats[8] != (biz.Stats{FollowerCount: 1}) {
		t.Fatalf("%d follows reported a change; stats %+v", changed.Load(), stats)
	}
}

func equal(got []int64, want ...int64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// oneList reads one user's list with a reader of several users' lists.
func oneList(read func(context.Context, []int64, int) (map[int64][]int64, error)) func(context.Context, int64, int) ([]int64, error) {
	return func(ctx context.Context, id int64, limit int) ([]int64, error) {
		got, err := read(ctx, []int64{id}, limit)
		return got[id], err
	}
}

// statsReader reads counters and follows, as the repository does.
type statsReader interface {
	StatsFor(ctx context.Context, queries []biz.StatsQuery) (map[int64]biz.Stats, []map[int64]bool, error)
}

// countsOf is the counters of ids, read as one query without a viewer.
func countsOf(ctx context.Context, r statsReader, ids []int64) (map[int64]biz.Stats, error) {
	stats, _, err := r.StatsFor(ctx, []biz.StatsQuery{{IDs: ids}})
	return stats, err
}

// followsOf says which of ids viewer follows, read as one query.
func followsOf(ctx context.Context, r statsReader, viewer int64, ids []int64) (map[int64]bool, error) {
	_, following, err := r.StatsFor(ctx, []biz.StatsQuery{{Viewer: viewer, IDs: ids}})
	if err != nil {
		return nil, err
	}
	return following[0], nil
}
