//go:build integration

package dal

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/pkg/errno"
	"simpletiktok/services/favorite/internal/biz"
)

// authors stands for the video service: the author of each video of these tests.
type authors map[int64]int64

func (a authors) AuthorOf(_ context.Context, videoID int64) (int64, error) {
	if id, ok := a[videoID]; ok {
		return id, nil
	}
	return 0, errno.VideoNotFound
}

func noErrors(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

// Hundreds of concurrent likes and unlikes of one video by many users, each repeated, through the
// rules and the real MySQL: the counts end exact, and equal the rows.
func TestConcurrentLikesOfOneVideo(t *testing.T) {
	repo, gdb := newRepo(t)
	const video, author = 10, 1
	// The author likes their own video too: one row of user_favorite_stats gets both counters.
	f := biz.NewFavorites(repo, authors{video: author}, time.Now)
	ctx := context.Background()
	const users, repeats = 100, 3

	// Every user likes the video three times, all at once: each like is counted once.
	var changed atomic.Int64
	noErrors(t, dbtest.AtOnce(users*repeats, func(i int) error {
		c, err := f.Act(ctx, int64(1+i%users), video, biz.Like)
		if c {
			changed.Add(1)
		}
		return err
	}))
	if changed.Load() != users {
		t.Fatalf("%d likes changed something; want %d (one per user)", changed.Load(), users)
	}
	expectCounts(t, f, video, author, users)
	assertCountersMatchRows(t, gdb)

	// Half the users unlike three times while the other half like again, all at once.
	changed.Store(0)
	noErrors(t, dbtest.AtOnce(users*repeats, func(i int) error {
		user := int64(1 + i%users)
		action := biz.Like
		if user%2 == 0 {
			action = biz.Unlike
		}
		c, err := f.Act(ctx, user, video, action)
		if c {
			changed.Add(1)
		}
		return err
	}))
	if changed.Load() != users/2 {
		t.Fatalf("%d calls changed something; want %d (one unlike per even user)", changed.Load(), users/2)
	}
	expectCounts(t, f, video, author, users/2)
	assertCountersMatchRows(t, gdb)
	for _, u := range []int64{1, 2} {
		stats, err := videoStats(ctx, f, u, []int64{video})
		if err != nil || stats[video].IsFavorite != (u%2 == 1) {
			t.Fatalf("is_favorite for user %d = %+v, %v", u, stats[video], err)
		}
	}
}

// One user flips likes on and off many times at once, on videos of several authors, while others
// do the same: whatever order the calls ran in, every counter equals its rows, and the net number
// of changes equals the rows left.
func TestConcurrentFlipsKeepCountersEqualToRows(t *testing.T) {
	repo, gdb := newRepo(t)
	videos := authors{10: 1, 11: 1, 12: 2, 13: 3, 14: 4}
	f := biz.NewFavorites(repo, videos, time.Now)
	ctx := context.Background()
	var net atomic.Int64
	const calls = 600
	noErrors(t, dbtest.AtOnce(calls, func(i int) error {
		user := int64(1 + i%6) // users 1..4 are authors as well
		video := int64(10 + (i/6)%5)
		action := biz.Like
		if (i/30)%2 == 1 {
			action = biz.Unlike
		}
		c, err := f.Act(ctx, user, video, action)
		if c && action == biz.Like {
			net.Add(1)
		} else if c {
			net.Add(-1)
		}
		return err
	}))
	assertCountersMatchRows(t, gdb)
	var rows int64
	if err := gdb.Table("likes").Count(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if rows != net.Load() {
		t.Fatalf("%d like rows remain but the calls report a net change of %d", rows, net.Load())
	}
	var total int64
	for v := range videos {
		stats, err := videoStats(ctx, f, 0, []int64{v})
		if err != nil {
			t.Fatal(err)
		}
		total += stats[v].FavoriteCount
	}
	if total != rows {
		t.Fatalf("video counts add up to %d; want %d", total, rows)
	}
}

func expectCounts(t *testing.T, f *biz.Favorites, video, author, want int64) {
	t.Helper()
	ctx := context.Background()
	vs, err := videoStats(ctx, f, 0, []int64{video})
	if err != nil || vs[video].FavoriteCount != want {
		t.Fatalf("video favorite_count = %+v, %v; want %d", vs[video], err, want)
	}
	us, err := userStats(ctx, f, []int64{author})
	if err != nil || us[author].TotalFavorited != want {
		t.Fatalf("author total_favorited = %+v, %v; want %d", us[author], err, want)
	}
	lists, err := f.Lists(ctx, []biz.ListQuery{{UserID: author, Viewer: author}})
	if err != nil || len(lists[0].VideoIDs) != 1 || us[author].FavoriteCount != 1 {
		t.Fatalf("author's own like: list %+v, favorite_count %d, %v", lists, us[author].FavoriteCount, err)
	}
	// The list's own stats say the same.
	if l := lists[0]; len(l.VideoIDs) == 0 || l.Stats.Videos[l.VideoIDs[0]] != (biz.VideoStat{FavoriteCount: want, IsFavorite: true}) ||
		l.Stats.Users[author] != us[author] {
		t.Fatalf("the author's list with stats = %+v; want %d likes of their video, %+v", l, want, us[author])
	}
}
