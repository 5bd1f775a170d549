package assemble_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/kitex_gen/message"
)

// Comments keep their order, show their authors from the five user calls whatever their number,
// leave out a comment whose author is gone, and are dated in the configured zone.
func TestComments(t *testing.T) {
	for _, n := range []int{1, 40} {
		a, b := newAssembler()
		var list []*comment.Comment
		for i := n; i >= 1; i-- {
			list = append(list, &comment.Comment{Id: int64(i), UserId: int64(i%5 + 1), Content: fmt.Sprint("c", i),
				CreateTimeMs: fakes.PostedAt})
		}
		list = append(list, &comment.Comment{Id: 99, UserId: fakes.MissingFrom, Content: "orphan"})
		out, err := a.Comments(context.Background(), 7, list)
		if err != nil || len(out) != n {
			t.Fatalf("n=%d: %d comments, %v", n, len(out), err)
		}
		first := out[0]
		if first.Id != int64(n) || first.Content != fmt.Sprint("c", n) || first.User.Id != int64(n%5+1) ||
			first.CreateDate != "03-10" {
			t.Fatalf("n=%d: first comment = %+v", n, first)
		}
		if got := b.Total(); got != 4 {
			t.Fatalf("n=%d: %d calls (%v); want 4", n, got, b.CallCounts())
		}
	}
	a, _ := newAssembler(assemble.CommentZone(time.UTC))
	out, err := a.Comments(context.Background(), 0, []*comment.Comment{{Id: 1, UserId: 2, CreateTimeMs: fakes.PostedAt}})
	if err != nil || len(out) != 1 || out[0].CreateDate != "03-09" || out[0].User.IsFollow {
		t.Fatalf("in UTC, anonymously: %+v, %v", out, err)
	}
	if out, err := a.Comments(context.Background(), 7, nil); err != nil || out == nil || len(out) != 0 {
		t.Fatalf("no comments = %v, %v; want an empty list", out, err)
	}
}

func TestMessages(t *testing.T) {
	a, _ := newAssembler()
	out := a.Messages([]*message.Message{{Id: 3, FromUserId: 1, ToUserId: 2, Content: "hi", CreateTimeMs: 1234}})
	if len(out) != 1 || out[0].Id != 3 || out[0].FromUserId != 1 || out[0].ToUserId != 2 || out[0].Content != "hi" ||
		out[0].CreateTime != 1234 {
		t.Fatalf("messages = %+v", out)
	}
	if out := a.Messages(nil); out == nil || len(out) != 0 {
		t.Fatalf("no messages = %v; want an empty list", out)
	}
}
