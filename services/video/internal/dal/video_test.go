//go:build integration

package dal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"simpletiktok/pkg/cache/cachetest"
	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/pkg/errno"
	"simpletiktok/services/video/internal/biz"
	"simpletiktok/services/video/migrations"
)

// newRepo is the repository over a schema of the test's own, with a cache on a Redis of the
// test's own: the tests of the repository run through the cache, the way the service runs.
func newRepo(t *testing.T) (*Videos, *gorm.DB) {
	t.Helper()
	gdb := migrated(t)
	return NewVideos(gdb, cachetest.Open(t, "video").Cache), gdb
}

// newUncachedRepo is the repository without a cache, as with redis.disabled.
func newUncachedRepo(t *testing.T) (*Videos, *gorm.DB) {
	t.Helper()
	gdb := migrated(t)
	return NewVideos(gdb, nil), gdb
}

// migrated is a schema of the test's own with the service's migrations applied.
func migrated(t *testing.T) *gorm.DB {
	t.Helper()
	return dbtest.OpenMigrated(t, migrations.FS())
}

var keys atomic.Int64

func key() string { return fmt.Sprintf("%032x.mp4", keys.Add(1)) }

// noJob is the job of a test video: a message on a subject nothing reads.
func noJob(v *biz.Video) biz.Message {
	return biz.Message{Subject: "test.video", Payload: []byte(fmt.Sprint(v.ID))}
}

// at is a publishTime that stores at ms whatever the latest time.
func at(ms int64) func(int64) int64 { return func(int64) int64 { return ms } }

// fixedClock returns the rules over repo with a clock that reads ms until changed.
func fixedClock(repo biz.Repo, ms *atomic.Int64) *biz.Videos {
	return biz.NewVideos(repo, func() time.Time { return time.UnixMilli(ms.Load()) }, func() {})
}

func TestCreateAndRead(t *testing.T) {
	repo, _ := newRepo(t)
	ctx := context.Background()
	v := &biz.Video{AuthorID: 7, Title: "Hello 世界 🎬", PlayKey: key(), CoverKey: "c.jpg"}
	if err := repo.Create(ctx, v, at(1_700_000_000_123), noJob); err != nil || v.ID <= 0 || v.PublishTimeMs != 1_700_000_000_123 {
		t.Fatalf("Create = %v, id %d, time %d", err, v.ID, v.PublishTimeMs)
	}
	got, err := repo.MGet(ctx, []int64{v.ID, v.ID + 100})
	if err != nil || len(got) != 1 || *got[0] != *v {
		t.Fatalf("MGet = %+v, %v; want %+v", got, err, v)
	}
	counts, err := repo.CountWorks(ctx, []int64{7, 8})
	if err != nil || counts[7] != 1 || counts[8] != 0 {
		t.Fatalf("CountWorks = %v, %v; want 7:1 and 8:0", counts, err)
	}
}

// publishTime sees the latest time stored (0 at first, and after a restart too: StartClock starts
// a lost clock again at the newest video), and the video is stored at the time it picks.
func TestCreateAsksForATimeAfterTheLatest(t *testing.T) {
	repo, gdb := newRepo(t)
	ctx := context.Background()
	var seen []int64
	for _, pick := range []int64{1000, 5000, 7000} {
		v := &biz.Video{AuthorID: 1, Title: "t", PlayKey: key()}
		err := repo.Create(ctx, v, func(latest int64) int64 { seen = append(seen, latest); return pick }, noJob)
		if err != nil || v.PublishTimeMs != pick {
			t.Fatalf("Create = %v at %d; want %d", err, v.PublishTimeMs, pick)
		}
		if pick == 5000 {
			// A restart with an empty clock table starts it again at the newest video.
			if err := gdb.Exec("DELETE FROM publish_clock").Error; err != nil {
				t.Fatal(err)
			}
			if err := StartClock(ctx, gdb); err != nil {
				t.Fatal(err)
			}
		}
	}
	if fmt.Sprint(seen) != "[0 1000 5000]" {
		t.Fatalf("publishTime saw %v; want [0 1000 5000]", seen)
	}
}

// A refused insert changes nothing: neither a row nor the author's work count.
func TestDuplicatesAreRefusedWithoutSideEffects(t *testing.T) {
	repo, gdb := newRepo(t)
	ctx := context.Background()
	first := &biz.Video{AuthorID: 1, Title: "a", PlayKey: key()}
	if err := repo.Create(ctx, first, at(1000), noJob); err != nil {
		t.Fatal(err)
	}
	sameKey := &biz.Video{AuthorID: 1, Title: "c", PlayKey: first.PlayKey}
	if err := repo.Create(ctx, sameKey, at(2000), noJob); !errors.Is(err, errno.VideoAlreadyPublished) {
		t.Fatalf("Create with a play key in use = %v; want VideoAlreadyPublished", err)
	}
	var rows, works int64
	gdb.Model(&videoRow{}).Count(&rows)
	gdb.Raw("SELECT works FROM work_counts WHERE author_id = 1").Scan(&works)
	if rows != 1 || works != 1 {
		t.Fatalf("%d rows, work count %d after refused inserts; want 1 and 1", rows, works)
	}
}

// Concurrent publishes by several authors, many in one millisecond: every one is stored with its
// own time, and each author's count equals their rows.
func TestConcurrentPublishes(t *testing.T) {
	repo, gdb := newRepo(t)
	var now atomic.Int64
	now.Store(1_700_000_000_000)
	videos := fixedClock(repo, &now)
	const authors, each = 4, 8
	var wg sync.WaitGroup
	errs := make(chan error, authors*each)
	for a := int64(1); a <= authors; a++ {
		for i := 0; i < each; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := videos.Publish(context.Background(), a, "burst", key()); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var distinct int64
	gdb.Raw("SELECT COUNT(DISTINCT publish_time_ms) FROM videos").Scan(&distinct)
	if distinct != authors*each {
		t.Fatalf("%d distinct publish times; want %d", distinct, authors*each)
	}
	counts, err := repo.CountWorks(context.Background(), []int64{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	for a := int64(1); a <= authors; a++ {
		var rows int64
		gdb.Model(&videoRow{}).Where("author_id = ?", a).Count(&rows)
		if counts[a] != each || rows != each {
			t.Fatalf("author %d: work count %d, rows %d; want %d", a, counts[a], rows, each)
		}
	}
}

// The feed's boundaries on the real table: an empty store, exactly one page, one more than a
// page, and many videos published in one millisecond paged in small pages.
func TestFeedPagingOnMySQL(t *testing.T) {
	t.Run("cached", func(t *testing.T) { testFeedPaging(t, newRepo) })
	t.Run("uncached", func(t *testing.T) { testFeedPaging(t, newUncachedRepo) })
}

func testFeedPaging(t *testing.T, newRepo func(*testing.T) (*Videos, *gorm.DB)) {
	ctx := context.Background()
	t.Run("empty store", func(t *testing.T) {
		repo, _ := newRepo(t)
		var now atomic.Int64
		now.Store(5_000_000)
		page, next, err := feedOf(ctx, fixedClock(repo, &now), 0, 30)
		if err != nil || len(page) != 0 || next != 5_000_000 {
			t.Fatalf("Feed = %d videos, next %d, %v", len(page), next, err)
		}
	})
	for _, total := range []int{30, 31} {
		t.Run(fmt.Sprintf("%d videos", total), func(t *testing.T) {
			repo, _ := newRepo(t)
			var now atomic.Int64
			videos := fixedClock(repo, &now)
			for i := 0; i < total; i++ {
				now.Store(int64(10_000 + i*1_000))
				if _, err := videos.Publish(ctx, 1, fmt.Sprint("v", i), key()); err != nil {
					t.Fatal(err)
				}
			}
			now.Store(1_000_000)
			page, next, err := feedOf(ctx, videos, 0, 30)
			if err != nil || len(page) != 30 || page[0].PublishTimeMs != int64(10_000+(total-1)*1_000) {
				t.Fatalf("first page: %d videos, %v", len(page), err)
			}
			rest, next2, err := feedOf(ctx, videos, next, 30)
			if err != nil || len(rest) != total-30 {
				t.Fatalf("second page: %d videos, %v; want %d", len(rest), err, total-30)
			}
			if total == 31 && (rest[0].PublishTimeMs != 10_000 || next2 != 10_000) {
				t.Fatalf("second page %+v, next %d", rest[0], next2)
			}
			if total == 30 && next2 != next {
				t.Fatalf("empty page: next %d; want %d", next2, next)
			}
		})
	}
	// Longer than the cached head of the feed: the pages inside it, across its end and past it.
	t.Run("more than the feed head", func(t *testing.T) {
		repo, _ := newRepo(t)
		const total = feedHead*2 + 7
		for i := range total {
			if err := repo.Create(ctx, &biz.Video{AuthorID: 1, Title: "t", PlayKey: key()}, at(int64(1000+i)), noJob); err != nil {
				t.Fatal(err)
			}
		}
		want := int64(1000 + total - 1)
		for _, size := range []int{30, 7} {
			before, seen := int64(1<<62), 0
			for {
				page, err := feed(ctx, repo, before, size)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				for _, v := range page {
					if v.PublishTimeMs != want-int64(seen) {
						t.Fatalf("pages of %d: video %d has time %d; want %d", size, seen, v.PublishTimeMs, want-int64(seen))
					}
					seen++
				}
				before = page[len(page)-1].PublishTimeMs
			}
			if seen != total {
				t.Fatalf("pages of %d showed %d videos; want %d", size, seen, total)
			}
		}
	})
	t.Run("one millisecond, small pages", func(t *testing.T) {
		repo, _ := newRepo(t)
		var now atomic.Int64
		now.Store(77_000)
		videos := fixedClock(repo, &now)
		for i := 0; i < 12; i++ {
			if _, err := videos.Publish(ctx, 1, "same", key()); err != nil {
				t.Fatal(err)
			}
		}
		now.Store(1_000_000)
		seen := map[int64]bool{}
		var next int64
		for len(seen) < 12 {
			page, n, err := feedOf(ctx, videos, next, 5)
			if err != nil || len(page) == 0 {
				t.Fatalf("page after %d videos: %d, %v", len(seen), len(page), err)
			}
			for _, v := range page {
				if seen[v.ID] {
					t.Fatalf("video %d shown twice", v.ID)
				}
				seen[v.ID] = true
			}
			next = n
		}
		if page, _, _ := feedOf(ctx, videos, next, 5); len(page) != 0 {
			t.Fatalf("%d videos after the last page", len(page))
		}
	})
}

func TestListByAuthorNewestFirst(t *testing.T) {
	t.Run("cached", func(t *testing.T) { testListByAuthor(t, newRepo) })
	t.Run("uncached", func(t *testing.T) { testListByAuthor(t, newUncachedRepo) })
}

func testListByAuthor(t *testing.T, open func(*testing.T) (*Videos, *gorm.DB)) {
	repo, _ := open(t)
	ctx := context.Background()
	for i, a := range []int64{1, 2, 1, 1, 2} {
		if err := repo.Create(ctx, &biz.Video{AuthorID: a, Title: "t", PlayKey: key()}, at(int64(100+i)), noJob); err != nil {
			t.Fatal(err)
		}
	}
	list, err := repo.ListByAuthor(ctx, 1, 100)
	if err != nil || len(list) != 3 || list[0].PublishTimeMs != 103 || list[1].PublishTimeMs != 102 || list[2].PublishTimeMs != 100 {
		t.Fatalf("ListByAuthor = %+v, %v", list, err)
	}
	if newest, err := repo.ListByAuthor(ctx, 1, 2); err != nil || len(newest) != 2 || newest[0].PublishTimeMs != 103 {
		t.Fatalf("ListByAuthor with a limit of 2 = %+v, %v; want the newest two", newest, err)
	}
	if none, err := repo.ListByAuthor(ctx, 3, 100); err != nil || len(none) != 0 {
		t.Fatalf("ListByAuthor of an author without videos = %+v, %v", none, err)
	}
	// Several authors' lists at once (a batch of publish lists) are each author's list.
	lists, err := repo.ListByAuthors(ctx, []int64{2, 3, 1}, 2)
	if err != nil || len(lists) != 3 || len(lists[1]) != 2 || lists[1][0].PublishTimeMs != 103 || lists[1][1].PublishTimeMs != 102 ||
		len(lists[2]) != 2 || lists[2][0].PublishTimeMs != 104 || lists[2][0].AuthorID != 2 || len(lists[3]) != 0 {
		t.Fatalf("ListByAuthors(2, 3, 1) = %+v, %v", lists, err)
	}
}

// The feed and the publish list read an index range in order: no full scan, no sort. The
// statements explained are the ones the repository runs, captured as they run.
func TestQueriesUseTheirIndexes(t *testing.T) {
	repo, gdb := newRepo(t)
	ctx := context.Background()
	for i := 0; i < 300; i++ {
		if err := repo.Create(ctx, &biz.Video{AuthorID: int64(i%10 + 1), Title: "t", PlayKey: key()}, at(int64(1000+i)), noJob); err != nil {
			t.Fatal(err)
		}
	}
	if err := gdb.Exec("ANALYZE TABLE videos").Error; err != nil {
		t.Fatal(err)
	}
	type statement struct {
		sql  string
		vars []any
	}
	var ran []statement
	err := gdb.Callback().Query().After("gorm:query").Register("test:capture", func(tx *gorm.DB) {
		ran = append(ran, statement{tx.Statement.SQL.String(), append([]any(nil), tx.Statement.Vars...)})
	})
	if err != nil {
		t.Fatal(err)
	}
	// The statements of the lists read ids from an index alone ("Using index"); the rows come
	// after, by primary key, and from the cache once read.
	queries := []struct {
		name  string
		run   func() error
		index string
	}{
		{"feed", func() error { _, err := feed(ctx, repo, 1200, 30); return err }, "uk_videos_publish_time"},
		{"publish list", func() error { _, err := repo.ListByAuthor(ctx, 3, 100); return err }, "idx_videos_author_time"},
	}
	for _, q := range queries {
		ran = nil
		if err := q.run(); err != nil {
			t.Fatal(err)
		}
		lists := 0
		for _, st := range ran {
			if strings.Contains(st.sql, "`id` IN") || strings.Contains(st.sql, "id IN") {
				continue // the rows, by primary key
			}
			lists++
			explainUses(t, gdb, q.name, st.sql, st.vars, q.index)
		}
		if lists == 0 {
			t.Fatalf("%s ran no statement over its index: %v", q.name, ran)
		}
	}
}

// explainUses checks that the statement reads ranges of index alone, without a sort: each of its
// reads of a table (a list of several authors is one read per author, joined by UNION ALL; their
// few rows are then put in order).
func explainUses(t *testing.T, gdb *gorm.DB, name, sql string, vars []any, index string) {
	t.Helper()
	var plan []map[string]any
	if err := gdb.Raw("EXPLAIN "+sql, vars...).Scan(&plan).Error; err != nil || len(plan) == 0 {
		t.Fatalf("%s: EXPLAIN %s = %v, %v", name, sql, plan, err)
	}
	reads := 0
	for _, p := range plan {
		if strings.HasPrefix(fmt.Sprint(p["table"]), "<") {
			continue // the rows the reads found
		}
		reads++
		extra := fmt.Sprint(p["Extra"])
		if fmt.Sprint(p["key"]) != index || fmt.Sprint(p["type"]) == "ALL" || strings.Contains(extra, "filesort") ||
			!strings.Contains(extra, "Using index") {
			t.Fatalf("%s: %s\nplan %v; want a range of %s alone, without filesort", name, sql, p, index)
		}
	}
	if reads == 0 {
		t.Fatalf("%s: %s\nplan %v reads no table", name, sql, plan)
	}
}

// feed is the page of one query of repo.Feed.
func feed(ctx context.Context, repo *Videos, beforeMs int64, limit int) ([]*biz.Video, error) {
	pages, err := repo.Feed(ctx, []biz.FeedQuery{{BeforeMs: beforeMs, Limit: limit}})
	if err != nil {
		return nil, err
	}
	return pages[0], nil
}
