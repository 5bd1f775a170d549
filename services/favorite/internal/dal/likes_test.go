//go:build integration

package dal

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"simpletiktok/pkg/cache/cachetest"
	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/services/favorite/internal/biz"
	"simpletiktok/services/favorite/migrations"
)

// newRepo is the repository over a schema of the test's own, with a cache on a Redis of the
// test's own: every test of the repository runs through the cache, the way the service runs.
func newRepo(t *testing.T) (*Favorites, *gorm.DB) {
	t.Helper()
	gdb := migrated(t)
	return NewFavorites(gdb, cachetest.Open(t, "favorite").Cache, coalesce.Config{}), gdb
}

// newUncachedRepo is the repository without a cache, as with redis.disabled.
func newUncachedRepo(t *testing.T) (*Favorites, *gorm.DB) {
	t.Helper()
	gdb := migrated(t)
	return NewFavorites(gdb, nil, coalesce.Config{}), gdb
}

// migrated is a schema of the test's own with the service's migrations applied.
func migrated(t *testing.T) *gorm.DB {
	t.Helper()
	return dbtest.OpenMigrated(t, migrations.FS())
}

func like(user, video, author int64) biz.LikeRecord {
	return biz.LikeRecord{UserID: user, VideoID: video, AuthorID: author, CreatedAt: time.Now().UTC()}
}

func TestLikeUnlikeMoveCountersOnlyOnChange(t *testing.T) {
	t.Run("cached", func(t *testing.T) { testLikeUnlike(t, newRepo) })
	t.Run("uncached", func(t *testing.T) { testLikeUnlike(t, newUncachedRepo) })
}

func testLikeUnlike(t *testing.T, open func(*testing.T) (*Favorites, *gorm.DB)) {
	repo, gdb := open(t)
	ctx := context.Background()
	steps := []struct {
		name        string
		do          func() (bool, error)
		wantChanged bool
	}{
		{"like", func() (bool, error) { return repo.Like(ctx, like(1, 10, 7)) }, true},
		{"like again", func() (bool, error) { return repo.Like(ctx, like(1, 10, 7)) }, false},
		{"another user", func() (bool, error) { return repo.Like(ctx, like(2, 10, 7)) }, true},
		{"own video", func() (bool, error) { return repo.Like(ctx, like(7, 10, 7)) }, true},
		{"unlike", func() (bool, error) { return repo.Unlike(ctx, 2, 10) }, true},
		{"unlike again", func() (bool, error) { return repo.Unlike(ctx, 2, 10) }, false},
		{"unlike never liked", func() (bool, error) { return repo.Unlike(ctx, 3, 99) }, false},
	}
	for _, s := range steps {
		changed, err := s.do()
		if err != nil || changed != s.wantChanged {
			t.Fatalf("%s = %v, %v; want changed %v", s.name, changed, err, s.wantChanged)
		}
		assertCountersMatchRows(t, gdb)
	}

	videos, err := videoStats(ctx, repo, 1, []int64{10, 99})
	if err != nil || videos[10] != (biz.VideoStat{FavoriteCount: 2, IsFavorite: true}) || videos[99] != (biz.VideoStat{}) {
		t.Fatalf("videoStats(viewer 1) = %+v, %v", videos, err)
	}
	if anon, _ := videoStats(ctx, repo, 0, []int64{10}); anon[10] != (biz.VideoStat{FavoriteCount: 2}) {
		t.Fatalf("videoStats(anonymous) = %+v", anon)
	}
	if other, _ := videoStats(ctx, repo, 2, []int64{10}); other[10].IsFavorite {
		t.Fatalf("user 2 unliked video 10 but is_favorite is true")
	}
	users, err := userStats(ctx, repo, []int64{1, 2, 7, 3})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]biz.UserStat{1: {FavoriteCount: 1}, 2: {}, 7: {FavoriteCount: 1, TotalFavorited: 2}}
	for id, w := range want {
		if users[id] != w {
			t.Fatalf("userStats[%d] = %+v; want %+v (all: %+v)", id, users[id], w, users)
		}
	}
	if users[3] != (biz.UserStat{}) {
		t.Fatalf("user 3 never liked anything but has stats: %+v", users[3])
	}
}

func TestLikedVideosNewestFirst(t *testing.T) {
	t.Run("cached", func(t *testing.T) { testLikedVideos(t, newRepo) })
	t.Run("uncached", func(t *testing.T) { testLikedVideos(t, newUncachedRepo) })
}

func testLikedVideos(t *testing.T, open func(*testing.T) (*Favorites, *gorm.DB)) {
	repo, _ := open(t)
	ctx := context.Background()
	for _, v := range []int64{10, 11, 12} {
		if _, err := repo.Like(ctx, like(1, v, 5)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := repo.Like(ctx, like(2, 13, 5)); err != nil {
		t.Fatal(err)
	}
	// A like given again after an unlike is the newest.
	if _, err := repo.Unlike(ctx, 1, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Like(ctx, like(1, 10, 5)); err != nil {
		t.Fatal(err)
	}
	got, err := repo.LikedVideos(ctx, 1, 100)
	if err != nil || len(got) != 3 || got[0] != 10 || got[1] != 12 || got[2] != 11 {
		t.Fatalf("LikedVideos = %v, %v; want [10 12 11]", got, err)
	}
	if newest, err := repo.LikedVideos(ctx, 1, 2); err != nil || len(newest) != 2 || newest[0] != 10 || newest[1] != 12 {
		t.Fatalf("LikedVideos with a limit of 2 = %v, %v; want [10 12]", newest, err)
	}
	none, err := repo.LikedVideos(ctx, 3, 100)
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("LikedVideos of a user without likes = %#v, %v; want an empty list", none, err)
	}
	// Several users' lists at once (a batch of favorite lists) are each user's list.
	lists, err := repo.LikedVideosOf(ctx, []int64{3, 1, 2}, 2)
	if err != nil || fmt.Sprint(lists) != "map[1:[10 12] 2:[13] 3:[]]" || lists[3] == nil {
		t.Fatalf("LikedVideosOf(3, 1, 2) = %v, %v; want map[1:[10 12] 2:[13] 3:[]]", lists, err)
	}
}

func TestAuthorsOfLikedVideos(t *testing.T) {
	t.Run("cached", func(t *testing.T) { testAuthorsOf(t, newRepo) })
	t.Run("uncached", func(t *testing.T) { testAuthorsOf(t, newUncachedRepo) })
}

func testAuthorsOf(t *testing.T, open func(*testing.T) (*Favorites, *gorm.DB)) {
	repo, gdb := open(t)
	ctx := context.Background()
	for _, l := range []biz.LikeRecord{like(1, 10, 5), like(2, 10, 5), like(1, 11, 6), like(3, 12, 7)} {
		if _, err := repo.Like(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	// The oldest like of video 10 is gone: the author comes from the one left. Nobody likes video
	// 12 any more, and nobody ever liked 99: they have no author to give.
	for _, u := range [][2]int64{{1, 10}, {3, 12}} {
		if _, err := repo.Unlike(ctx, u[0], u[1]); err != nil {
			t.Fatal(err)
		}
	}
	got, err := repo.AuthorsOf(ctx, []int64{10, 11, 12, 99})
	if err != nil || fmt.Sprint(got) != "map[10:5 11:6]" {
		t.Fatalf("AuthorsOf = %v, %v; want map[10:5 11:6]", got, err)
	}
	// A video without an author is asked again: liked since, it has one.
	if _, err := repo.Like(ctx, like(4, 99, 8)); err != nil {
		t.Fatal(err)
	}
	// An author never changes: one read before is kept, even when the rows are gone. Without a
	// cache it comes from the rows each time.
	if err := gdb.Exec("DELETE FROM likes WHERE video_id = 11").Error; err != nil {
		t.Fatal(err)
	}
	got, err = repo.AuthorsOf(ctx, []int64{10, 11, 12, 99})
	want := "map[10:5 99:8]"
	if repo.cache != nil {
		want = "map[10:5 11:6 99:8]"
	}
	if err != nil || fmt.Sprint(got) != want {
		t.Fatalf("AuthorsOf after the changes = %v, %v; want %s", got, err, want)
	}
}

// The counters equal the rows they count, for every video and user that has either.
func assertCountersMatchRows(t *testing.T, gdb *gorm.DB) {
	t.Helper()
	type pair struct{ counter, rows int64 }
	check := func(what, counters, rows string) {
		t.Helper()
		got := map[int64]*pair{}
		var cs []struct{ ID, N int64 }
		if err := gdb.Raw(counters).Scan(&cs).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			got[c.ID] = &pair{counter: c.N}
		}
		var rs []struct{ ID, N int64 }
		if err := gdb.Raw(rows).Scan(&rs).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if got[r.ID] == nil {
				got[r.ID] = &pair{counter: -1} // rows without a counter row
			}
			got[r.ID].rows = r.N
		}
		for id, p := range got {
			if p.counter != p.rows {
				t.Fatalf("%s of %d is %d but there are %d rows", what, id, p.counter, p.rows)
			}
		}
	}
	check("video favorite_count",
		"SELECT video_id AS id, favorite_count AS n FROM video_favorite_stats",
		"SELECT video_id AS id, COUNT(*) AS n FROM likes GROUP BY video_id")
	check("user favorite_count",
		"SELECT user_id AS id, favorite_count AS n FROM user_favorite_stats",
		"SELECT user_id AS id, COUNT(*) AS n FROM likes GROUP BY user_id")
	check("user total_favorited",
		"SELECT user_id AS id, total_favorited AS n FROM user_favorite_stats",
		"SELECT author_id AS id, COUNT(*) AS n FROM likes GROUP BY author_id")
}

// statser reads stats: the repository, or the rules over it.
type statser interface {
	Stats(ctx context.Context, queries []biz.StatsQuery) ([]biz.StatsAnswer, error)
}

// videoStats is the videos' part of one query's Stats.
func videoStats(ctx context.Context, s statser, viewer int64, ids []int64) (map[int64]biz.VideoStat, error) {
	answers, err := s.Stats(ctx, []biz.StatsQuery{{Viewer: viewer, VideoIDs: ids}})
	if err != nil {
		return nil, err
	}
	return answers[0].Videos, nil
}

// userStats is the users' part of one query's Stats.
func userStats(ctx context.Context, s statser, ids []int64) (map[int64]biz.UserStat, error) {
	answers, err := s.Stats(ctx, []biz.StatsQuery{{UserIDs: ids}})
	if err != nil {
		return nil, err
	}
	return answers[0].Users, nil
}
