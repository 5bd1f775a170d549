//go:build integration

package dal

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/pkg/errno"
	"simpletiktok/services/comment/internal/biz"
)

// authors stands for the video service: the author of each video of these tests.
type authors map[int64]int64

func (a authors) AuthorOf(_ context.Context, videoID int64) (int64, error) {
	if id, ok := a[videoID]; ok {
		return id, nil
	}
	return 0, errno.VideoNotFound
}

// Hundreds of concurrent posts and deletes on one video, through the rules and the real MySQL:
// every comment is deleted once however many deletes race for it (the others succeed without
// change), strangers delete nothing, and comment_count ends equal to the live rows.
func TestConcurrentPostsAndDeletes(t *testing.T) {
	repo, gdb := newRepo(t)
	const video, videoAuthor = 10, 1000
	s := biz.NewComments(repo, authors{video: videoAuthor}, time.Now)
	ctx := context.Background()

	const first = 300
	posted := make([]*biz.Comment, first)
	for i, err := range dbtest.AtOnce(first, func(i int) (err error) {
		posted[i], err = s.Post(ctx, int64(1+i%30), video, fmt.Sprintf("comment %d", i), "")
		return err
	}) {
		if err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	if counts, _ := s.Counts(ctx, []int64{video}); counts[video] != first {
		t.Fatalf("comment_count after %d posts = %d", first, counts[video])
	}
	assertCountsMatchRows(t, gdb)

	// Each comment: deleted by its author and by the video's author at once, and tried by a
	// stranger; meanwhile a hundred new comments arrive.
	const more = 100
	// deleted counts the deletes that deleted, repeated those that found the comment deleted
	// already, refused the stranger's tries.
	var deleted, repeated, refused atomic.Int64
	errs := dbtest.AtOnce(3*first+more, func(i int) error {
		if i >= 3*first {
			// Each its own text: the same text again within biz.RepeatWindow would be a repeat.
			_, err := s.Post(ctx, 5000, video, fmt.Sprint("late ", i), "")
			return err
		}
		c := posted[i/3]
		deleter := []int64{c.UserID, videoAuthor, 4000}[i%3]
		changed, err := s.Delete(ctx, deleter, video, c.ID)
		switch {
		case err == nil && changed && deleter != 4000:
			deleted.Add(1)
		case err == nil && !changed && deleter != 4000:
			repeated.Add(1)
		case deleter == 4000 && errors.Is(err, errno.CommentForbidden):
			refused.Add(1)
		default:
			return fmt.Errorf("delete by %d: changed %v, %w", deleter, changed, err)
		}
		return nil
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if deleted.Load() != first || repeated.Load() != first || refused.Load() != first {
		t.Fatalf("deleted %d, repeated %d, refused %d; want %d each", deleted.Load(), repeated.Load(), refused.Load(), first)
	}
	list, err := listOf(ctx, s, video)
	if err != nil {
		t.Fatal(err)
	}
	counts, _ := s.Counts(ctx, []int64{video})
	if len(list) != more || counts[video] != more {
		t.Fatalf("after the deletes the list has %d comments and comment_count is %d; want %d", len(list), counts[video], more)
	}
	assertCountsMatchRows(t, gdb)
}

// The same post sent many times at once with one request key (a client retrying a post whose
// answer it did not get) makes one comment and counts it once; every sender gets that comment.
func TestConcurrentRepeatsOfOneKeyedPost(t *testing.T) {
	repo, gdb := newRepo(t)
	const video = 10
	s := biz.NewComments(repo, authors{video: 1000}, time.Now)
	ctx := context.Background()
	const tries = 20
	got := make([]*biz.Comment, tries)
	for i, err := range dbtest.AtOnce(tries, func(i int) (err error) {
		got[i], err = s.Post(ctx, 7, video, "once only", "0f8fad5b-d9cb-469f-a165-70867728950e")
		return err
	}) {
		if err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	for _, c := range got {
		if c.ID != got[0].ID {
			t.Fatalf("repeats answered comments %d and %d; want one", got[0].ID, c.ID)
		}
	}
	list, err := listOf(ctx, s, video)
	if counts, _ := s.Counts(ctx, []int64{video}); err != nil || len(list) != 1 || counts[video] != 1 {
		t.Fatalf("after %d repeats: %d comments, count %d, %v; want one of each", tries, len(list), counts[video], err)
	}
	assertCountsMatchRows(t, gdb)
}

// listOf is one video's list, asked as a batch of one.
func listOf(ctx context.Context, s *biz.Comments, videoID int64) ([]*biz.Comment, error) {
	lists, err := s.Lists(ctx, []int64{videoID})
	if err != nil {
		return nil, err
	}
	return lists[0], nil
}
