//go:build integration

package dal

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"simpletiktok/pkg/cache/cachetest"
	"simpletiktok/services/comment/internal/biz"
)

// expectComments checks the count and the list of video against the ids that must be live.
func expectComments(ctx context.Context, repo *Comments, video int64, live []int64) error {
	counts, err := repo.Counts(ctx, []int64{video})
	if err != nil {
		return err
	}
	if counts[video] != int64(len(live)) {
		return fmt.Errorf("comment_count of %d = %d; want %d", video, counts[video], len(live))
	}
	list, err := repo.ListByVideo(ctx, video, biz.MaxList)
	if err != nil {
		return err
	}
	got := make([]int64, 0, len(list))
	for _, c := range list {
		got = append(got, c.ID)
	}
	want := slices.Clone(live)
	slices.Reverse(want) // newest first
	if !slices.Equal(got, want) {
		return fmt.Errorf("comments of %d = %v; want %v", video, got, want)
	}
	return nil
}

// Writers post and delete while readers read the same keys as fast as they can; after each
// acknowledged write its writer reads, and must see it in the count and in the list.
func TestReadsAfterAcknowledgedWritesThroughTheCache(t *testing.T) {
	c := cachetest.Open(t, "comment")
	repo := NewComments(migrated(t), c.Cache)
	ctx := context.Background()
	const writers, rounds = 5, 12
	// Writer w owns video 10+w: it posts, and deletes every third comment it posted.
	c.Race(t, 4, func(r int) {
		video := int64(10 + r%writers)
		_, _ = repo.Counts(ctx, []int64{video})
		_, _ = repo.ListByVideo(ctx, video, biz.MaxList)
	}, writers, func(w int) error {
		video := int64(10 + w)
		var live []int64
		for round := range rounds {
			if round%3 == 2 {
				victim := &biz.Comment{ID: live[0], VideoID: video}
				if _, err := repo.Delete(ctx, victim, time.Now().UTC()); err != nil {
					return err
				}
				live = live[1:]
			} else {
				cm := &biz.Comment{VideoID: video, UserID: int64(1 + w), Content: fmt.Sprintf("round %d", round),
					CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
				if _, err := repo.Create(ctx, cm, time.Time{}); err != nil {
					return err
				}
				live = append(live, cm.ID)
			}
			if err := expectComments(ctx, repo, video, live); err != nil {
				return fmt.Errorf("round %d: %w", round, err)
			}
		}
		return nil
	})
}

// Redis stopped, restarted with what it had saved, flushed, frozen: counts and lists stay right,
// and the cache is used again once Redis answers.
func TestRedisFaults(t *testing.T) {
	c := cachetest.Open(t, "comment")
	gdb := migrated(t)
	repo := NewComments(gdb, c.Cache)
	ctx := context.Background()
	const video = 10
	var live []int64
	check := func(step string) {
		t.Helper()
		if err := expectComments(ctx, repo, video, live); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	post := func() {
		t.Helper()
		cm := &biz.Comment{VideoID: video, UserID: 1, Content: "x", CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
		if _, err := repo.Create(ctx, cm, time.Time{}); err != nil {
			t.Fatal(err)
		}
		live = append(live, cm.ID)
	}
	post()
	check("one comment")
	c.Server.Stop()
	post()
	check("posted while Redis is stopped")
	c.Server.Restart()
	c.UsedAgain(t, "Redis restarted with its old data", check)
	c.Server.Flush()
	if _, err := repo.Delete(ctx, &biz.Comment{ID: live[0], VideoID: video}, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	live = live[1:]
	c.UsedAgain(t, "deleted after a flush", check)
	c.Server.Freeze()
	post()
	check("posted while Redis is frozen")
	c.Server.Thaw()
	c.UsedAgain(t, "Redis thawed", check)
	assertCountsMatchRows(t, gdb)
}

// A list longer than maxCachedComments keeps its head in the cache: its page is answered from
// there until a post or delete of the video replaces it, and a longer read goes to MySQL.
func TestTheHeadOfALongListIsCached(t *testing.T) {
	repo, gdb := newRepo(t)
	ctx := context.Background()
	const video = 7
	rows := make([]commentRow, maxCachedComments+2)
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	for i := range rows {
		rows[i] = commentRow{VideoID: video, UserID: int64(1 + i%50), Content: fmt.Sprintf("c%d", i), CreatedAt: at.Add(time.Duration(i) * time.Millisecond)}
	}
	if err := gdb.CreateInBatches(rows, 500).Error; err != nil {
		t.Fatal(err)
	}
	newest := func(list []*biz.Comment) string { return fmt.Sprintf("%d %s", list[0].ID, list[0].Content) }
	want := fmt.Sprintf("%d c%d", rows[len(rows)-1].ID, len(rows)-1)

	list, err := repo.ListByVideo(ctx, video, biz.MaxList)
	if err != nil || len(list) != biz.MaxList || newest(list) != want || list[len(list)-1].ID != rows[len(rows)-biz.MaxList].ID {
		t.Fatalf("page of a long list: %d comments, newest %q, err %v; want %d, newest %q", len(list), newest(list), err, biz.MaxList, want)
	}
	// Behind the cache's back: the page still comes from the cached head.
	if err := gdb.Model(&commentRow{}).Where("id = ?", rows[len(rows)-1].ID).Update("content", "edited in MySQL").Error; err != nil {
		t.Fatal(err)
	}
	if list, err = repo.ListByVideo(ctx, video, biz.MaxList); err != nil || newest(list) != want {
		t.Fatalf("second read: newest %q, %v; want %q from the cached head", newest(list), err, want)
	}
	// More than the head is read from MySQL.
	if list, err = repo.ListByVideo(ctx, video, len(rows)); err != nil || len(list) != len(rows) ||
		newest(list) != fmt.Sprintf("%d edited in MySQL", rows[len(rows)-1].ID) {
		t.Fatalf("read of the whole list: %d comments, newest %q, %v; want %d from MySQL", len(list), newest(list), err, len(rows))
	}
	// A post replaces the head.
	cm := &biz.Comment{VideoID: video, UserID: 99, Content: "new", CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if _, err := repo.Create(ctx, cm, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if list, err = repo.ListByVideo(ctx, video, biz.MaxList); err != nil || len(list) != biz.MaxList ||
		newest(list) != fmt.Sprintf("%d new", cm.ID) || list[1].Content != "edited in MySQL" {
		t.Fatalf("after a post: %d comments, newest %q, %v; want %d with the post first", len(list), newest(list), err, biz.MaxList)
	}
}
