//go:build integration

package dal

import (
	"context"
	"fmt"
	"testing"
	"time"

	"simpletiktok/pkg/cache/cachetest"
	"simpletiktok/services/video/internal/biz"
)

// expectPublished checks that v is on the first page of the feed, first in its author's list,
// and counted among the author's works.
func expectPublished(ctx context.Context, repo *Videos, v *biz.Video, works int64) error {
	// Asked with an older page in the same batch, the first page must still show it.
	// So must the same page asked twice in the batch (read once).
	pages, err := repo.Feed(ctx, []biz.FeedQuery{{BeforeMs: v.PublishTimeMs, Limit: 5}, {BeforeMs: 1 << 62, Limit: 30}, {BeforeMs: 1 << 62, Limit: 30}})
	if err != nil {
		return err
	}
	page := pages[1]
	if len(pages[2]) != len(page) || (len(page) > 0 && pages[2][0].ID != page[0].ID) {
		return fmt.Errorf("the first page asked twice in one batch: %d then %d videos", len(page), len(pages[2]))
	}
	for _, p := range pages[0] {
		if p.PublishTimeMs >= v.PublishTimeMs {
			return fmt.Errorf("the page before %d shows video %d of %d", v.PublishTimeMs, p.ID, p.PublishTimeMs)
		}
	}
	found := false
	for _, p := range page {
		found = found || p.ID == v.ID
	}
	if !found {
		return fmt.Errorf("video %d is not on the first page of the feed", v.ID)
	}
	list, err := repo.ListByAuthor(ctx, v.AuthorID, 1000)
	if err != nil {
		return err
	}
	if len(list) == 0 || *list[0] != *v || int64(len(list)) != works {
		return fmt.Errorf("list of %d = %d videos starting %+v; want %d starting %+v", v.AuthorID, len(list), list, works, v)
	}
	counts, err := repo.CountWorks(ctx, []int64{v.AuthorID})
	if err != nil {
		return err
	}
	if counts[v.AuthorID] != works {
		return fmt.Errorf("work count of %d = %d; want %d", v.AuthorID, counts[v.AuthorID], works)
	}
	return nil
}

// Authors publish while readers read the feed, the lists and the counts as fast as they can;
// after each acknowledged publish its author reads, and must see the video everywhere.
func TestReadsAfterAcknowledgedWritesThroughTheCache(t *testing.T) {
	c := cachetest.Open(t, "video")
	repo := NewVideos(migrated(t), c.Cache)
	ctx := context.Background()
	const writers, rounds = 4, 8
	c.Race(t, 4, func(r int) {
		_, _ = repo.Feed(ctx, []biz.FeedQuery{{BeforeMs: 1 << 62, Limit: 30}, {BeforeMs: int64(1000 + r), Limit: 30}})
		_, _ = repo.ListByAuthor(ctx, int64(1+r%writers), 1000)
		_, _ = repo.CountWorks(ctx, []int64{int64(1 + r%writers)})
	}, writers, func(w int) error {
		author := int64(1 + w)
		for round := range rounds {
			v := &biz.Video{AuthorID: author, Title: fmt.Sprintf("round %d", round), PlayKey: key()}
			if err := repo.Create(ctx, v, func(latest int64) int64 { return max(time.Now().UnixMilli(), latest+1) }, noJob); err != nil {
				return err
			}
			if err := expectPublished(ctx, repo, v, int64(round+1)); err != nil {
				return fmt.Errorf("round %d: %w", round, err)
			}
		}
		return nil
	})
}

// Redis stopped, restarted with what it had saved, flushed, frozen: the feed, lists and counts
// stay right, and the cache is used again once Redis answers.
func TestRedisFaults(t *testing.T) {
	c := cachetest.Open(t, "video")
	repo := NewVideos(migrated(t), c.Cache)
	ctx := context.Background()
	var last *biz.Video
	works := int64(0)
	publish := func() {
		t.Helper()
		v := &biz.Video{AuthorID: 1, Title: "t", PlayKey: key()}
		if err := repo.Create(ctx, v, func(latest int64) int64 { return latest + 1000 }, noJob); err != nil {
			t.Fatal(err)
		}
		last = v
		works++
	}
	check := func(step string) {
		t.Helper()
		if err := expectPublished(ctx, repo, last, works); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	publish()
	check("one video")
	c.Server.Stop()
	publish()
	check("published while Redis is stopped")
	c.Server.Restart()
	c.UsedAgain(t, "Redis restarted with its old data", check)
	c.Server.Flush()
	publish()
	c.UsedAgain(t, "published after a flush", check)
	c.Server.Freeze()
	publish()
	check("published while Redis is frozen")
	c.Server.Thaw()
	c.UsedAgain(t, "Redis thawed", check)
}

// A video's row changes once, when the media worker sets its cover: it is cached only after, so
// the cover shows as soon as it is set.
func TestRowCachedOnceItsCoverIsSet(t *testing.T) {
	c := cachetest.Open(t, "video")
	repo := NewVideos(migrated(t), c.Cache)
	ctx := context.Background()
	v := &biz.Video{AuthorID: 1, Title: "t", PlayKey: key()}
	if err := repo.Create(ctx, v, at(100), noJob); err != nil {
		t.Fatal(err)
	}
	cover := func() string {
		t.Helper()
		got, err := repo.MGet(ctx, []int64{v.ID})
		if err != nil || len(got) != 1 {
			t.Fatalf("MGet = %v, %v", got, err)
		}
		return got[0].CoverKey
	}
	if got := cover(); got != "" {
		t.Fatalf("cover before it is made = %q", got)
	}
	if keys := c.Server.Keys("video:v:*"); len(keys) != 0 {
		t.Fatalf("a row without its cover is cached: %v", keys)
	}
	if _, err := repo.SetCover(ctx, v.ID, "c.jpg"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got := cover(); got != "c.jpg" {
			t.Fatalf("cover after it was set = %q", got)
		}
	}
	if keys := c.Server.Keys("video:v:*"); len(keys) != 1 {
		t.Fatalf("the final row is not cached: %v", keys)
	}
}
