package handler_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudwego/hertz/pkg/common/ut"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/comment"
)

// A comment list costs the same calls at any length, and dates show in the configured zone.
func TestCommentListCallsAndDates(t *testing.T) {
	for _, n := range []int{1, 40} {
		b := fakes.New()
		for i := n; i >= 1; i-- {
			b.Comments = append(b.Comments, &comment.Comment{Id: int64(i), VideoId: 9, UserId: int64(i%5 + 1),
				Content: fmt.Sprint("c", i), CreateTimeMs: fakes.PostedAt})
		}
		body := call(t, gateway(t, b), http.MethodGet, "/douyin/comment/list/?token=u7&video_id=9")
		list, _ := body["comment_list"].([]any)
		if code(body) != 0 || len(list) != n {
			t.Fatalf("n=%d: %v", n, body)
		}
		first := list[0].(map[string]any)
		if first["create_date"] != "03-10" || first["content"] != fmt.Sprint("c", n) ||
			num(first["user"].(map[string]any)["id"]) != int64(n%5+1) {
			t.Fatalf("first comment = %v", first)
		}
		// ListComments, then the four user calls.
		if got := b.Total(); got != 5 {
			t.Fatalf("n=%d: %d calls %v; want 5", n, got, b.CallCounts())
		}
		if req := b.Last("comment.ListComments").(*comment.ListCommentsQuery); req.VideoId != 9 {
			t.Fatalf("listed the comments of video %d; want 9", req.VideoId)
		}
	}

	// Anonymous (no token, or a bad one) is allowed; another zone gives another date.
	b := fakes.New()
	b.Comments = []*comment.Comment{{Id: 1, VideoId: 9, UserId: 2, Content: "x", CreateTimeMs: fakes.PostedAt}}
	e := gateway(t, b, assemble.CommentZone(time.UTC))
	for _, q := range []string{"video_id=9", "video_id=9&token=garbage"} {
		body := call(t, e, http.MethodGet, "/douyin/comment/list/?"+q)
		list, _ := body["comment_list"].([]any)
		if code(body) != 0 || len(list) != 1 || list[0].(map[string]any)["create_date"] != "03-09" {
			t.Fatalf("%s answered %v", q, body)
		}
	}
	if body := call(t, e, http.MethodGet, "/douyin/comment/list/"); code(body) != 10001 || !isEmptyList(body["comment_list"]) {
		t.Fatalf("list without video_id = %v; want 10001 with an empty list", body)
	}
}

func TestCommentPostAnswersTheComment(t *testing.T) {
	b := fakes.New()
	e := gateway(t, b)
	body := call(t, e, http.MethodPost, "/douyin/comment/action/?token=u7&user_id=99&video_id=9&action_type=1&comment_text=%3Cb%3Ehi%3C%2Fb%3E+%F0%9F%98%80")
	c, _ := body["comment"].(map[string]any)
	if code(body) != 0 || c == nil {
		t.Fatalf("post = %v", body)
	}
	if c["content"] != "<b>hi</b> 😀" || c["create_date"] != "03-10" || num(c["id"]) != fakes.PostedID ||
		num(c["user"].(map[string]any)["id"]) != 7 {
		t.Fatalf("posted comment = %v", c)
	}
	if req := b.Last("comment.PostComment").(*comment.PostCommentRequest); req.UserId != 7 || req.VideoId != 9 {
		t.Fatalf("PostComment request = %+v", req)
	}

	// The service's refusal reaches the phone with its code, and comment: null.
	b.Fail("comment.PostComment", fakes.BizErr(errno.CommentInvalidContent))
	body = call(t, e, http.MethodPost, "/douyin/comment/action/?token=u7&video_id=9&action_type=1&comment_text=+")
	if comment, present := body["comment"]; code(body) != 14003 || !present || comment != nil {
		t.Fatalf("refused post = %v; want 14003 with comment: null", body)
	}
}

// A comment delete answers status_code and status_msg only: no comment key, whatever the outcome.
func TestCommentDeleteAnswersNoComment(t *testing.T) {
	b := fakes.New()
	e := gateway(t, b)
	body := call(t, e, http.MethodPost, "/douyin/comment/action/?token=u7&video_id=9&action_type=2&comment_id=55")
	if code(body) != 0 || len(body) != 2 {
		t.Fatalf("delete = %v; want only status_code and status_msg", body)
	}
	if req := b.Last("comment.DeleteComment").(*comment.DeleteCommentRequest); req.UserId != 7 || req.VideoId != 9 || req.CommentId != 55 {
		t.Fatalf("DeleteComment request = %+v", req)
	}
	// The service's answer is passed on, whatever it is.
	for _, e2 := range []*errno.Error{errno.CommentForbidden, errno.CommentNotFound} {
		b.Fail("comment.DeleteComment", fakes.BizErr(e2))
		body := call(t, e, http.MethodPost, "/douyin/comment/action/?token=u7&video_id=9&action_type=2&comment_id=55")
		if code(body) != int64(e2.Code) || len(body) != 2 {
			t.Fatalf("delete refused by the service = %v; want %d without comment", body, e2.Code)
		}
	}
	b.Fail("comment.DeleteComment", nil)
	// As an urlencoded body too.
	form := ut.Header{Key: "Content-Type", Value: "application/x-www-form-urlencoded"}
	body = send(t, e, http.MethodPost, "/douyin/comment/action/",
		&ut.Body{Body: strings.NewReader("token=u7&video_id=9&action_type=2&comment_id=56"), Len: -1}, form)
	if code(body) != 0 || len(body) != 2 || b.Last("comment.DeleteComment").(*comment.DeleteCommentRequest).CommentId != 56 {
		t.Fatalf("delete sent as a form = %v", body)
	}
}

func TestCommentActionBadParameters(t *testing.T) {
	b := fakes.New()
	e := gateway(t, b)
	cases := []struct {
		query  string
		want   int64
		delete bool // the answer has no comment key
	}{
		{"video_id=9&action_type=3", 14002, false},
		{"video_id=9", 14002, false},
		{"action_type=1&comment_text=hi", 10001, false}, // no video_id
		{"video_id=x&action_type=1", 10001, false},
		{"video_id=9&action_type=2", 10001, true}, // no comment_id
		{"video_id=9&action_type=2&comment_id=x", 10001, true},
		{"action_type=2&comment_id=5", 10001, true}, // no video_id
	}
	for _, c := range cases {
		body := call(t, e, http.MethodPost, "/douyin/comment/action/?token=u7&"+c.query)
		comment, present := body["comment"]
		if code(body) != c.want || c.delete && present || !c.delete && (!present || comment != nil) {
			t.Fatalf("%s answered %v; want %d (a delete: %v)", c.query, body, c.want, c.delete)
		}
	}
	if b.Total() != 0 {
		t.Fatalf("bad parameters reached the services: %v", b.CallCounts())
	}
}

// A comment action refused before its handler runs has the handler's shape: a delete no comment
// key, anything else comment: null.
func TestCommentActionRefusedBeforeTheHandler(t *testing.T) {
	b := fakes.New()
	e := gateway(t, b)
	for q, isDelete := range map[string]bool{
		"video_id=9&action_type=2&comment_id=5": true, "video_id=9&action_type=1&comment_text=x": false,
		"video_id=9": false, "token=garbage&video_id=9&action_type=2&comment_id=5": true,
	} {
		body := call(t, e, http.MethodPost, "/douyin/comment/action/?"+q)
		comment, present := body["comment"]
		if code(body) != 10002 || isDelete && present || !isDelete && (!present || comment != nil) {
			t.Fatalf("%s without a valid token answered %v (a delete: %v)", q, body, isDelete)
		}
	}
	form := ut.Header{Key: "Content-Type", Value: "application/x-www-form-urlencoded"}
	body := send(t, e, http.MethodPost, "/douyin/comment/action/",
		&ut.Body{Body: strings.NewReader("video_id=9&action_type=2&comment_id=5"), Len: -1}, form)
	if _, present := body["comment"]; code(body) != 10002 || present {
		t.Fatalf("a delete sent as a form without a token answered %v", body)
	}
	// A body over the limit is refused unread: the query string still tells a delete.
	big := strings.Repeat("x", 2<<20)
	body = send(t, e, http.MethodPost, "/douyin/comment/action/?token=u7&action_type=2",
		&ut.Body{Body: strings.NewReader("pad=" + big), Len: -1}, form)
	if _, present := body["comment"]; code(body) != 10001 || present {
		t.Fatalf("an oversized delete answered %v", body)
	}
	body = send(t, e, http.MethodPost, "/douyin/comment/action/?token=u7&action_type=1",
		&ut.Body{Body: strings.NewReader("pad=" + big), Len: -1}, form)
	if comment, present := body["comment"]; code(body) != 10001 || !present || comment != nil {
		t.Fatalf("an oversized post answered %v", body)
	}
	if b.Total() != 0 {
		t.Fatalf("refused requests reached the services: %v", b.CallCounts())
	}
}

// Nothing is posted when the caller cannot be shown.
func TestCommentPostNeedsItsAuthorFirst(t *testing.T) {
	b := fakes.New()
	b.Fail("user.MGetUsers", fakes.BizErr(errno.Internal))
	if body := call(t, gateway(t, b), http.MethodPost, "/douyin/comment/action/?token=u7&video_id=9&action_type=1&comment_text=x"); code(body) == 0 {
		t.Fatalf("post while users fail = %v", body)
	}
	if b.Calls("comment.PostComment") != 0 {
		t.Fatal("a comment was stored although the answer failed")
	}
}
