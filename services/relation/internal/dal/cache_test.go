//go:build integration

package dal

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"simpletiktok/pkg/cache/cachetest"
	"simpletiktok/services/relation/internal/biz"
)

// expectFollow checks every read that "a follows b" decides, b following a back all along: the
// counts of both, is_follow, both lists and both friend lists.
func expectFollow(ctx context.Context, repo ticking, a, b int64, follows bool) error {
	want := int64(0)
	if follows {
		want = 1
	}
	stats, err := countsOf(ctx, repo, []int64{a, b})
	if err != nil {
		return err
	}
	// b follows a in every test: a has that follower, b that follow.
	if stats[a].FollowCount != want || stats[b].FollowerCount != want || stats[a].FollowerCount != 1 || stats[b].FollowCount != 1 {
		return fmt.Errorf("counts of %d and %d: %+v, %+v; want %d follows of %d", a, b, stats[a], stats[b], want, a)
	}
	is, err := followsOf(ctx, repo, a, []int64{b})
	if err != nil {
		return err
	}
	if is[b] != follows {
		return fmt.Errorf("is_follow %d -> %d = %v; want %v", a, b, is[b], follows)
	}
	// The page's call reads both families in one batch, and must see the same; so must another
	// page asking in the same batch, for another viewer.
	bs, bf, err := repo.StatsFor(ctx, []biz.StatsQuery{{Viewer: a, IDs: []int64{a, b}}, {Viewer: b, IDs: []int64{a}}})
	if err != nil {
		return err
	}
	if bs[a] != stats[a] || bs[b] != stats[b] || bf[0][b] != follows || !bf[1][a] {
		return fmt.Errorf("StatsFor(%d, %d) = %+v, %v; want %+v and is_follow %v, true", a, b, bs, bf, stats, follows)
	}
	lists := []struct {
		name string
		read func(context.Context, int64, int) ([]int64, error)
		of   int64
		has  int64
	}{
		{"follow list", oneList(repo.ListFollowing), a, b},
		{"follower list", oneList(repo.ListFollowers), b, a},
		{"friend list", oneList(repo.ListFriends), a, b},
		{"friend list", oneList(repo.ListFriends), b, a},
	}
	for _, l := range lists {
		ids, err := l.read(ctx, l.of, 100)
		if err != nil {
			return err
		}
		if slices.Contains(ids, l.has) != follows {
			return fmt.Errorf("%s of %d = %v; %d in it should be %v", l.name, l.of, ids, l.has, follows)
		}
	}
	return nil
}

// Writers follow and unfollow while readers read the same keys as fast as they can; after each
// acknowledged write its writer reads, and must see it everywhere.
func TestReadsAfterAcknowledgedWritesThroughTheCache(t *testing.T) {
	c := cachetest.Open(t, "relation")
	repo, gdb := openRepo(t, c.Cache)
	ctx := context.Background()
	const writers, rounds = 5, 16 // an even number of rounds ends every follow undone
	// Writer w is user 1+w following 100+w, who follows 1+w back throughout.
	for w := range int64(writers) {
		if _, err := repo.Follow(ctx, 100+w, 1+w); err != nil {
			t.Fatal(err)
		}
	}
	c.Race(t, 4, func(r int) {
		w := int64(r % writers)
		_, _ = countsOf(ctx, repo, []int64{1 + w, 100 + w})
		_, _ = followsOf(ctx, repo, 1+w, []int64{100 + w})
		_, _, _ = repo.StatsFor(ctx, []biz.StatsQuery{{Viewer: 1 + w, IDs: []int64{1 + w, 100 + w}}, {Viewer: 100 + w, IDs: []int64{1 + w}}})
		_, _ = oneList(repo.ListFollowers)(ctx, 100+w, 100)
		_, _ = oneList(repo.ListFriends)(ctx, 100+w, 100)
	}, writers, func(w int) error {
		a, b := int64(1+w), int64(100+w)
		for round := range rounds {
			follows := round%2 == 0
			var err error
			if follows {
				_, err = repo.Follow(ctx, a, b)
			} else {
				_, err = repo.Unfollow(ctx, a, b)
			}
			if err != nil {
				return err
			}
			if err := expectFollow(ctx, repo, a, b, follows); err != nil {
				return fmt.Errorf("round %d: %w", round, err)
			}
		}
		return nil
	})
	var active int64
	gdb.Model(&followRow{}).Where("active").Count(&active)
	if active != writers {
		t.Fatalf("%d follows remain; want the %d follows back", active, writers)
	}
}

// Redis stopped, restarted with what it had saved, flushed, frozen: every read stays right, and
// the cache is used again once Redis answers.
func TestRedisFaults(t *testing.T) {
	c := cachetest.Open(t, "relation")
	repo, _ := openRepo(t, c.Cache)
	ctx := context.Background()
	const a, b = 1, 2
	if _, err := repo.Follow(ctx, b, a); err != nil {
		t.Fatal(err)
	}
	check := func(step string, follows bool) {
		t.Helper()
		if err := expectFollow(ctx, repo, a, b, follows); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	act := func(follows bool) {
		t.Helper()
		var err error
		if follows {
			_, err = repo.Follow(ctx, a, b)
		} else {
			_, err = repo.Unfollow(ctx, a, b)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	usedAgain := func(step string, follows bool) {
		t.Helper()
		c.UsedAgain(t, step, func(step string) {
			t.Helper()
			check(step, follows)
		})
	}
	check("start", false)
	act(true)
	check("followed", true)
	c.Server.Stop()
	act(false)
	check("unfollowed while Redis is stopped", false)
	c.Server.Restart()
	usedAgain("Redis restarted with its old data", false)
	c.Server.Flush()
	act(true)
	usedAgain("followed after a flush", true)
	c.Server.Freeze()
	act(false)
	check("unfollowed while Redis is frozen", false)
	c.Server.Thaw()
	usedAgain("Redis thawed", false)
}
