package handler_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"simpletiktok/api-gateway/internal/handler"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/kitex_gen/favorite"
)

// A favorite list costs the same calls at any length: the liked ids, the videos, and the seven
// calls of the assembler. It keeps the like order and leaves out videos deleted since.
func TestFavoriteListCallsDoNotDependOnLength(t *testing.T) {
	for _, n := range []int{1, 40} {
		b := newBackend()
		for i := n; i >= 1; i-- {
			b.liked = append(b.liked, int64(i))
		}
		b.liked = append(b.liked, 1000) // a deleted video
		body := call(t, gateway(t, b), http.MethodGet, "/douyin/favorite/list/?token=u7&user_id=3")
		if code(body) != 0 {
			t.Fatalf("n=%d: %v", n, body)
		}
		list := body["video_list"].([]any)
		if len(list) != n {
			t.Fatalf("n=%d: %d videos", n, len(list))
		}
		for i, v := range list {
			if id := int64(v.(map[string]any)["id"].(float64)); id != int64(n-i) {
				t.Fatalf("n=%d: video %d is %d; want the like order", n, i, id)
			}
		}
		if got := b.total(); got != 9 {
			t.Fatalf("n=%d: %d calls %v; want 9", n, got, b.calls)
		}
		if req := b.last["favorite.ListFavorites"].(*favorite.ListFavoritesRequest); req.UserId != 3 {
			t.Fatalf("listed the likes of %d; want user_id 3", req.UserId)
		}
		if req := b.last["favorite.VideoStats"].(*favorite.VideoStatsRequest); req.ViewerId != 7 {
			t.Fatalf("is_favorite asked for viewer %d; want the caller 7", req.ViewerId)
		}
	}
}

func TestFavoriteListEmptyAndDefaultUser(t *testing.T) {
	b := newBackend()
	body := call(t, gateway(t, b), http.MethodGet, "/douyin/favorite/list/?token=u7")
	if list, isList := body["video_list"].([]any); code(body) != 0 || !isList || len(list) != 0 {
		t.Fatalf("empty favorite list = %v", body)
	}
	if req := b.last["favorite.ListFavorites"].(*favorite.ListFavoritesRequest); req.UserId != 7 || b.total() != 1 {
		t.Fatalf("without user_id: listed user %d with calls %v; want the caller, one call", req.UserId, b.calls)
	}
}

// The caller comes from the token only: a user_id parameter does not change who likes.
func TestFavoriteActionIdentityAndParameters(t *testing.T) {
	b := newBackend()
	e := gateway(t, b)
	if body := call(t, e, http.MethodPost, "/douyin/favorite/action/?token=u7&user_id=99&video_id=5&action_type=2"); code(body) != 0 {
		t.Fatalf("unlike = %v", body)
	}
	req := b.last["favorite.FavoriteAction"].(*favorite.FavoriteActionRequest)
	if req.UserId != 7 || req.VideoId != 5 || req.Action != favorite.FavoriteAction_UNLIKE {
		t.Fatalf("FavoriteAction request = %+v", req)
	}
	// A malformed action_type is the service's to refuse; its code reaches the phone unchanged.
	b.fail["favorite.FavoriteAction"] = businessErr(13001, "action_type must be 1 (like) or 2 (unlike)")
	body := call(t, e, http.MethodPost, "/douyin/favorite/action/?token=u7&video_id=5&action_type=like")
	if code(body) != 13001 || b.last["favorite.FavoriteAction"].(*favorite.FavoriteActionRequest).Action != 0 {
		t.Fatalf("action_type=like answered %v", body)
	}
	b.reset()
	for _, q := range []string{"video_id=abc", "video_id=-1", "action_type=1"} {
		if body := call(t, e, http.MethodPost, "/douyin/favorite/action/?token=u7&action_type=1&"+q); code(body) != 10001 {
			t.Fatalf("%s answered %v; want 10001", q, body)
		}
	}
	if b.total() != 0 {
		t.Fatalf("bad parameters reached the services: %v", b.calls)
	}
}

// A comment list costs the same calls at any length, and dates show in the configured zone.
func TestCommentListCallsAndDates(t *testing.T) {
	for _, n := range []int{1, 40} {
		b := newBackend()
		for i := n; i >= 1; i-- {
			b.comments = append(b.comments, &comment.Comment{Id: int64(i), VideoId: 9, UserId: int64(i%5 + 1),
				Content: fmt.Sprint("c", i), CreateTimeMs: marchNinth8pmUTC})
		}
		body := call(t, gateway(t, b), http.MethodGet, "/douyin/comment/list/?token=u7&video_id=9")
		list, _ := body["comment_list"].([]any)
		if code(body) != 0 || len(list) != n {
			t.Fatalf("n=%d: %v", n, body)
		}
		first := list[0].(map[string]any)
		if first["create_date"] != "03-10" || first["content"] != fmt.Sprint("c", n) ||
			first["user"].(map[string]any)["id"].(float64) != float64(n%5+1) {
			t.Fatalf("first comment = %v", first)
		}
		// ListComments, then the five user calls.
		if got := b.total(); got != 6 {
			t.Fatalf("n=%d: %d calls %v; want 6", n, got, b.calls)
		}
	}

	// Anonymous (no token, or a bad one) is allowed; another zone gives another date.
	b := newBackend()
	b.comments = []*comment.Comment{{Id: 1, VideoId: 9, UserId: 2, Content: "x", CreateTimeMs: marchNinth8pmUTC}}
	e := gateway(t, b, handler.CommentZone(time.UTC))
	for _, q := range []string{"video_id=9", "video_id=9&token=garbage"} {
		body := call(t, e, http.MethodGet, "/douyin/comment/list/?"+q)
		list, _ := body["comment_list"].([]any)
		if code(body) != 0 || len(list) != 1 || list[0].(map[string]any)["create_date"] != "03-09" {
			t.Fatalf("%s answered %v", q, body)
		}
	}
	if body := call(t, e, http.MethodGet, "/douyin/comment/list/"); code(body) != 10001 || body["comment_list"] == nil {
		t.Fatalf("list without video_id = %v; want 10001 with an empty list", body)
	}
}

func TestCommentPostAnswersTheComment(t *testing.T) {
	b := newBackend()
	e := gateway(t, b)
	body := call(t, e, http.MethodPost, "/douyin/comment/action/?token=u7&user_id=99&video_id=9&action_type=1&comment_text=%3Cb%3Ehi%3C%2Fb%3E+%F0%9F%98%80")
	c, _ := body["comment"].(map[string]any)
	if code(body) != 0 || c == nil {
		t.Fatalf("post = %v", body)
	}
	if c["content"] != "<b>hi</b> 😀" || c["create_date"] != "03-10" || c["id"].(float64) != 55 ||
		c["user"].(map[string]any)["id"].(float64) != 7 {
		t.Fatalf("posted comment = %v", c)
	}
	if req := b.last["comment.PostComment"].(*comment.PostCommentRequest); req.UserId != 7 || req.VideoId != 9 {
		t.Fatalf("PostComment request = %+v", req)
	}

	// The service's refusal reaches the phone with its code, and no comment.
	b.fail["comment.PostComment"] = businessErr(14003, "comment_text is empty or only spaces")
	body = call(t, e, http.MethodPost, "/douyin/comment/action/?token=u7&video_id=9&action_type=1&comment_text=+")
	if code(body) != 14003 || body["comment"] != nil {
		t.Fatalf("refused post = %v", body)
	}
	if _, present := body["comment"]; !present {
		t.Fatalf("the comment field is absent: %v", body)
	}

	// Nothing is posted when the caller cannot be shown.
	delete(b.fail, "comment.PostComment")
	b.fail["user.MGetUsers"] = businessErr(10000, "internal error, please try again later")
	b.reset()
	if body := call(t, e, http.MethodPost, "/douyin/comment/action/?token=u7&video_id=9&action_type=1&comment_text=x"); code(body) == 0 {
		t.Fatalf("post while users fail = %v", body)
	}
	if b.calls["comment.PostComment"] != 0 {
		t.Fatal("a comment was stored although the answer failed")
	}
}

func TestCommentDeleteAndBadActions(t *testing.T) {
	b := newBackend()
	e := gateway(t, b)
	body := call(t, e, http.MethodPost, "/douyin/comment/action/?token=u7&video_id=9&action_type=2&comment_id=55")
	if code(body) != 0 || body["comment"] != nil {
		t.Fatalf("delete = %v", body)
	}
	if req := b.last["comment.DeleteComment"].(*comment.DeleteCommentRequest); req.UserId != 7 || req.VideoId != 9 || req.CommentId != 55 {
		t.Fatalf("DeleteComment request = %+v", req)
	}
	b.fail["comment.DeleteComment"] = businessErr(14004, "only the comment's author or the video's author may delete it")
	if body := call(t, e, http.MethodPost, "/douyin/comment/action/?token=u7&video_id=9&action_type=2&comment_id=55"); code(body) != 14004 {
		t.Fatalf("forbidden delete = %v", body)
	}

	b.reset()
	cases := map[string]int64{
		"video_id=9&action_type=3":              14002,
		"video_id=9":                            14002,
		"video_id=9&action_type=2":              10001, // no comment_id
		"video_id=9&action_type=2&comment_id=x": 10001,
		"action_type=1&comment_text=hi":         10001, // no video_id
	}
	for q, want := range cases {
		if body := call(t, e, http.MethodPost, "/douyin/comment/action/?token=u7&"+q); code(body) != want {
			t.Fatalf("%s answered %v; want %d", q, body, want)
		}
	}
	if b.total() != 0 {
		t.Fatalf("bad parameters reached the services: %v", b.calls)
	}
}
