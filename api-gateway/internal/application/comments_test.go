package application_test

import (
	"context"
	"errors"
	"testing"

	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/comment"
)

func TestPostCommentShowsItsAuthor(t *testing.T) {
	b := fakes.New()
	a := newApp(b, nil)
	c, err := a.PostComment(context.Background(), 7, 9, "hi", "")
	if err != nil || c.Id != fakes.PostedID || c.User.Id != 7 || c.Content != "hi" || c.CreateDate != "03-10" {
		t.Fatalf("PostComment = %+v, %v", c, err)
	}
	// The author is shown before the comment is stored: a comment is never stored with a failed answer.
	b.Reset()
	b.Fail("user.MGetUsers", fakes.Unreachable())
	if _, err := a.PostComment(context.Background(), 7, 9, "hi", ""); !errors.Is(err, errno.ServiceUnavailable) || b.Calls("comment.PostComment") != 0 {
		t.Fatalf("PostComment while users cannot be shown = %v, with %v", err, b.CallCounts())
	}
}

// Who may delete, and what a repeated delete answers, is the comment service's rule: its answer
// is passed on.
func TestDeleteCommentPassesTheServiceAnswerOn(t *testing.T) {
	b := fakes.New()
	a := newApp(b, nil)
	if err := a.DeleteComment(context.Background(), 7, 9, 55); err != nil {
		t.Fatal(err)
	}
	if req := b.Last("comment.DeleteComment").(*comment.DeleteCommentRequest); req.UserId != 7 || req.VideoId != 9 || req.CommentId != 55 {
		t.Fatalf("DeleteComment request = %+v", req)
	}
	for _, e := range []*errno.Error{errno.CommentNotFound, errno.CommentForbidden} {
		b.Fail("comment.DeleteComment", fakes.BizErr(e))
		if err := a.DeleteComment(context.Background(), 7, 9, 55); !errors.Is(err, e) {
			t.Fatalf("DeleteComment = %v; want %v", err, e)
		}
	}
}

func TestCommentList(t *testing.T) {
	b := fakes.New()
	b.Comments = []*comment.Comment{{Id: 2, UserId: 3}, {Id: 1, UserId: fakes.MissingFrom}}
	a := newApp(b, nil)
	list, err := a.CommentList(context.Background(), 0, 9)
	if err != nil || len(list) != 1 || list[0].Id != 2 || list[0].User.Id != 3 {
		t.Fatalf("CommentList = %+v, %v", list, err)
	}
	b.Fail("comment.ListComments", fakes.Unreachable())
	if _, err := a.CommentList(context.Background(), 0, 9); !errors.Is(err, errno.ServiceUnavailable) {
		t.Fatalf("CommentList with the service down = %v", err)
	}
}
