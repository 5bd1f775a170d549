//go:build integration

package dal

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"simpletiktok/pkg/cache/cachetest"
	"simpletiktok/pkg/coalesce"
	"simpletiktok/services/favorite/internal/biz"
)

// Writers like and unlike while readers read the same keys as fast as they can (so that reads
// of old values race every invalidation). After each acknowledged write its writer reads, and
// must see it: the video's count, the flag, the liker's list and counts, the author's counts.
func TestReadsAfterAcknowledgedWritesThroughTheCache(t *testing.T) {
	c := cachetest.Open(t, "favorite")
	gdb := migrated(t)
	repo := NewFavorites(gdb, c.Cache, coalesce.Config{})
	ctx := context.Background()
	const writers, rounds = 6, 16 // an even number of rounds ends every like undone
	const shared = 100            // a video every writer likes too, whose count only settles at the end
	// Writer w is user 1+w, likes video 10+w of author 50+w, and the shared video of author 99.
	c.Race(t, 4, func(r int) {
		w := int64(r % writers)
		_, _ = videoStats(ctx, repo, 1+w, []int64{10 + w, shared})
		_, _ = userStats(ctx, repo, []int64{1 + w, 50 + w, 99})
		_, _ = repo.LikedVideos(ctx, 1+w, biz.MaxList)
		_, _ = repo.Stats(ctx, []biz.StatsQuery{
			{Viewer: 1 + w, VideoIDs: []int64{10 + w, shared}, UserIDs: []int64{1 + w, 50 + w, 99}},
			{Viewer: 1 + (w+1)%writers, VideoIDs: []int64{shared, 10 + w}},
		})
	}, writers, func(w int) error {
		user, video, author := int64(1+w), int64(10+w), int64(50+w)
		for round := range rounds {
			liking := round%2 == 0
			var err error
			if liking {
				_, err = repo.Like(ctx, like(user, video, author))
				if err == nil {
					_, err = repo.Like(ctx, like(user, shared, 99))
				}
			} else {
				_, err = repo.Unlike(ctx, user, video)
				if err == nil {
					_, err = repo.Unlike(ctx, user, shared)
				}
			}
			if err != nil {
				return err
			}
			if err := expectLiked(ctx, repo, user, video, author, liking); err != nil {
				return fmt.Errorf("round %d: %w", round, err)
			}
		}
		return nil
	})
	assertCountersMatchRows(t, gdb)
	stats, err := videoStats(ctx, repo, 0, []int64{shared})
	if err != nil || stats[shared].FavoriteCount != 0 {
		t.Fatalf("shared video after every like was undone = %+v, %v; want 0", stats[shared], err)
	}
}

// expectLiked checks every read that one like of video (by user, of author) decides.
func expectLiked(ctx context.Context, repo *Favorites, user, video, author int64, liked bool) error {
	want := int64(0)
	if liked {
		want = 1
	}
	vs, err := videoStats(ctx, repo, user, []int64{video})
	if err != nil {
		return err
	}
	if vs[video] != (biz.VideoStat{FavoriteCount: want, IsFavorite: liked}) {
		return fmt.Errorf("video %d seen by user %d: %+v; want count %d, is_favorite %v", video, user, vs[video], want, liked)
	}
	list, err := repo.LikedVideos(ctx, user, biz.MaxList)
	if err != nil {
		return err
	}
	if slices.Contains(list, video) != liked {
		return fmt.Errorf("liked list of %d = %v; video %d in it should be %v", user, list, video, liked)
	}
	us, err := userStats(ctx, repo, []int64{user, author})
	if err != nil {
		return err
	}
	if us[author].TotalFavorited != want {
		return fmt.Errorf("author %d total_favorited = %d; want %d", author, us[author].TotalFavorited, want)
	}
	if us[user].FavoriteCount != int64(len(list)) {
		return fmt.Errorf("user %d favorite_count = %d but the list has %d", user, us[user].FavoriteCount, len(list))
	}
	// The page's call reads the three families in one batch, and must see the same.
	// So must another page asking in the same batch, without the viewer's like.
	answers, err := repo.Stats(ctx, []biz.StatsQuery{
		{Viewer: user, VideoIDs: []int64{video}, UserIDs: []int64{user, author}},
		{VideoIDs: []int64{video}},
	})
	if err != nil {
		return err
	}
	bv, bu := answers[0].Videos, answers[0].Users
	if other := answers[1].Videos[video]; other != (biz.VideoStat{FavoriteCount: vs[video].FavoriteCount}) {
		return fmt.Errorf("the anonymous query of the batch = %+v; want count %d, not liked", other, vs[video].FavoriteCount)
	}
	if bv[video] != vs[video] || bu[author] != us[author] || bu[user] != us[user] {
		return fmt.Errorf("Stats = %+v, %+v; want %+v, %+v as read one by one", bv, bu, vs, us)
	}
	return nil
}

// Redis stopped, restarted with what it had saved, flushed, frozen: every read stays right, and
// the cache is used again once Redis answers.
func TestRedisFaults(t *testing.T) {
	c := cachetest.Open(t, "favorite")
	gdb := migrated(t)
	repo := NewFavorites(gdb, c.Cache, coalesce.Config{})
	ctx := context.Background()
	const user, video, author = 1, 10, 50
	check := func(step string, liked bool) {
		t.Helper()
		if err := expectLiked(ctx, repo, user, video, author, liked); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	act := func(liked bool) {
		t.Helper()
		var err error
		if liked {
			_, err = repo.Like(ctx, like(user, video, author))
		} else {
			_, err = repo.Unlike(ctx, user, video)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// usedAgain checks that the cache serves hits again (it may need a retry interval first).
	usedAgain := func(step string, liked bool) {
		t.Helper()
		c.UsedAgain(t, step, func(step string) {
			t.Helper()
			check(step, liked)
		})
	}

	check("empty", false)
	act(true)
	check("liked", true) // now cached: liked

	c.Server.Stop() // saves what it holds
	check("Redis stopped", true)
	errorsBefore := c.Counts.Errors()
	act(false) // cannot invalidate: waits for the cached values to expire
	check("unliked while Redis is stopped", false)
	if c.Counts.Errors() == errorsBefore {
		t.Fatal("no cache error counted while Redis was stopped")
	}
	c.Server.Restart() // with the values saved before the unlike
	usedAgain("Redis restarted with its old data", false)

	c.Server.Flush()
	check("Redis flushed", false)
	act(true)
	usedAgain("liked after the flush", true)

	c.Server.Freeze()
	act(false)
	check("unliked while Redis is frozen", false)
	c.Server.Thaw()
	usedAgain("Redis thawed", false)
	assertCountersMatchRows(t, gdb)
}
