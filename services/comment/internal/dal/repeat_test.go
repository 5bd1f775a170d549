//go:build integration

package dal

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/services/comment/internal/biz"
)

// A keyless post that repeats a live comment of its author on its video, with exactly its text,
// created since repeatSince, stores nothing and answers that comment; text equal only under the
// column's collation (case, trailing spaces), another author or video, a comment deleted or older
// than repeatSince, and a post without repeatSince each store a new comment.
func TestCreateFindsTheRepeat(t *testing.T) {
	repo, gdb := newRepo(t)
	ctx := context.Background()
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	create := func(user, video int64, text string, when, since time.Time) *biz.Comment {
		t.Helper()
		c := &biz.Comment{VideoID: video, UserID: user, Content: text, CreatedAt: when}
		got, err := repo.Create(ctx, c, since)
		if err != nil {
			t.Fatalf("Create(%d, %d, %q) = %v", user, video, text, err)
		}
		return got
	}
	first := create(1, 10, "hello", at, time.Time{})
	_, _ = repo.Counts(ctx, []int64{10}) // cached now: a repeat must leave the cache right too
	_, _ = repo.ListByVideo(ctx, 10, biz.MaxList)

	later := at.Add(5 * time.Second)
	since := later.Add(-biz.RepeatWindow)
	if got := create(1, 10, "hello", later, since); got.ID != first.ID || got.Content != "hello" || !got.CreatedAt.Equal(at) {
		t.Fatalf("the repeat = %+v; want the first comment %+v", got, first)
	}
	if got := create(1, 10, "hello", at.Add(biz.RepeatWindow), at); got.ID != first.ID {
		t.Fatalf("the repeat at the start of the window = %+v; want comment %d", got, first.ID)
	}
	if err := expectComments(ctx, repo, 10, []int64{first.ID}); err != nil {
		t.Fatalf("after the repeats: %v", err)
	}

	live := []int64{first.ID}
	for _, p := range []struct {
		name        string
		user, video int64
		text        string
		since       time.Time
	}{
		{"other case", 1, 10, "Hello", since},
		{"a trailing space", 1, 10, "hello ", since},
		{"another user", 2, 10, "hello", since},
		{"after the window", 1, 10, "hello", at.Add(time.Millisecond)},
		{"no repeatSince", 1, 10, "hello", time.Time{}},
	} {
		got := create(p.user, p.video, p.text, later, p.since)
		if got.ID == first.ID || got.Content != p.text {
			t.Fatalf("%s: Create = %+v; want a new comment", p.name, got)
		}
		if p.video == 10 {
			live = append(live, got.ID)
		}
	}
	if other := create(1, 11, "hello", later, since); other.ID == first.ID || other.VideoID != 11 {
		t.Fatalf("another video: Create = %+v; want a new comment", other)
	}
	if err := expectComments(ctx, repo, 10, live); err != nil {
		t.Fatal(err)
	}

	// Every identical comment since, deleted: the next post is new, and a repeat of it finds it.
	for _, id := range []int64{first.ID, live[4], live[5]} {
		if deleted, err := repo.Delete(ctx, &biz.Comment{ID: id, VideoID: 10}, later); err != nil || !deleted {
			t.Fatalf("Delete(%d) = %v, %v", id, deleted, err)
		}
	}
	fresh := create(1, 10, "hello", later, since)
	if fresh.ID <= live[len(live)-1] {
		t.Fatalf("after the deletes: Create = %+v; want a new comment", fresh)
	}
	if again := create(1, 10, "hello", later.Add(time.Second), since); again.ID != fresh.ID {
		t.Fatalf("its repeat = %+v; want comment %d", again, fresh.ID)
	}
	if err := expectComments(ctx, repo, 10, []int64{live[1], live[2], live[3], fresh.ID}); err != nil {
		t.Fatal(err)
	}
	assertCountsMatchRows(t, gdb)
}

// Identical keyless posts sent at once (a phone and the gateway repeating a post whose outcome
// they did not learn) store one comment and count it once, on a video without comments yet (no
// count row to lock: the first insert of it makes the others wait) and on one with comments; every
// sender is answered that comment. A keyed post is unchanged: the same text at once with other
// keys makes a comment each.
func TestConcurrentKeylessRepeatsStoreOne(t *testing.T) {
	for _, video := range []int64{10, 11} {
		t.Run(fmt.Sprint("video ", video), func(t *testing.T) {
			repo, gdb := newRepo(t)
			at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
			s := biz.NewComments(repo, authors{10: 1000, 11: 1000}, func() time.Time { return at })
			ctx := context.Background()
			var before []int64
			if video == 11 {
				c, err := s.Post(ctx, 2, video, "already here", "")
				if err != nil {
					t.Fatal(err)
				}
				before = append(before, c.ID)
			}
			const tries = 16
			got := make([]*biz.Comment, tries)
			for i, err := range dbtest.AtOnce(tries, func(i int) (err error) {
				got[i], err = s.Post(ctx, 7, video, "only once", "")
				return err
			}) {
				if err != nil {
					t.Fatalf("post %d: %v", i, err)
				}
			}
			for _, c := range got {
				if c.ID != got[0].ID || c.Content != "only once" {
					t.Fatalf("the posts answered %+v and %+v; want one comment", got[0], c)
				}
			}
			if err := expectComments(ctx, repo, video, append(before, got[0].ID)); err != nil {
				t.Fatal(err)
			}
			if n := countRows(t, gdb, video); n != int64(len(before)+1) {
				t.Fatalf("%d comment rows; want %d", n, len(before)+1)
			}
			assertCountsMatchRows(t, gdb)

			for i, err := range dbtest.AtOnce(4, func(i int) error {
				_, err := s.Post(ctx, 7, video, "only once", fmt.Sprint("key-", i))
				return err
			}) {
				if err != nil {
					t.Fatalf("keyed post %d: %v", i, err)
				}
			}
			if n := countRows(t, gdb, video); n != int64(len(before)+5) {
				t.Fatalf("%d comment rows after 4 keyed posts; want %d", n, len(before)+5)
			}
			assertCountsMatchRows(t, gdb)
		})
	}
}

// countRows counts the video's comment rows, deleted or not.
func countRows(t *testing.T, gdb *gorm.DB, video int64) int64 {
	t.Helper()
	var n int64
	if err := gdb.Raw("SELECT COUNT(*) FROM comments WHERE video_id = ?", video).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// The look for a repeat reads a range of idx_comments_video_user_time, not the video's comments
// or the table: among many comments of one video by many users, it is a range scan of that index.
func TestRepeatLookupIsARangeScan(t *testing.T) {
	repo, gdb := newRepo(t)
	ctx := context.Background()
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range 300 {
		c := &biz.Comment{VideoID: int64(10 + i%30/20), UserID: int64(1 + i%30), Content: fmt.Sprint("comment ", i),
			CreatedAt: at.Add(time.Duration(i) * time.Second)}
		if _, err := repo.Create(ctx, c, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := gdb.Exec("ANALYZE TABLE comments").Error; err != nil {
		t.Fatal(err)
	}
	post := &biz.Comment{VideoID: 10, UserID: 7, Content: "comment 6", CreatedAt: at.Add(time.Hour)}
	query := gdb.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var rows []commentRow
		return repeatQuery(tx, post, post.CreatedAt.Add(-biz.RepeatWindow)).Find(&rows)
	})
	var plan []struct {
		Table string
		Type  string
		Key   *string
	}
	if err := gdb.Raw("EXPLAIN " + query).Scan(&plan).Error; err != nil {
		t.Fatal(err)
	}
	if len(plan) != 1 || plan[0].Type != "range" || plan[0].Key == nil || *plan[0].Key != "idx_comments_video_user_time" {
		t.Fatalf("EXPLAIN %s = %+v; want a range of idx_comments_video_user_time", query, plan)
	}
}
