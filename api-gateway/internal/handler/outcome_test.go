package handler_test

import (
	"net/http"
	"strings"
	"testing"

	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/errno"
)

// A write whose connection dropped after it was sent is never answered "failed": an idempotent
// one is sent once more and the phone gets the real outcome; when that is not to be had, the
// answer is 10010, whose text says the write may have been carried out. Only a write that
// certainly reached no service is answered 10004.
func TestWritesWithAnUnknownOutcome(t *testing.T) {
	writes := []struct {
		name, method, path string
	}{
		{"comment post", "comment.PostComment", "/douyin/comment/action/?token=u7&video_id=9&action_type=1&comment_text=hi"},
		{"comment delete", "comment.DeleteComment", "/douyin/comment/action/?token=u7&video_id=9&action_type=2&comment_id=5"},
		{"like", "favorite.FavoriteAction", "/douyin/favorite/action/?token=u7&video_id=9&action_type=1"},
		{"follow", "relation.RelationAction", "/douyin/relation/action/?token=u7&to_user_id=9&action_type=1"},
		{"message", "message.SendMessage", "/douyin/message/action/?token=u7&to_user_id=9&action_type=1&content=hi"},
	}
	for _, w := range writes {
		b := fakes.New()
		e := gateway(t, b)

		b.FailNext(w.method, fakes.Cut())
		if body := call(t, e, http.MethodPost, w.path); code(body) != 0 || b.Calls(w.method) != 2 {
			t.Errorf("%s cut once: %v after %d calls; want 0 after the resend", w.name, body, b.Calls(w.method))
		}
		if w.method == "comment.PostComment" {
			if body := call(t, e, http.MethodPost, w.path); code(body) != 0 || num(body["comment"].(map[string]any)["id"]) != fakes.PostedID {
				t.Errorf("comment post: %v; want the comment", body)
			}
		}

		b.Reset()
		b.FailNext(w.method, fakes.Cut(), fakes.Cut())
		body := call(t, e, http.MethodPost, w.path)
		msg, _ := body["status_msg"].(string)
		if code(body) != int64(errno.OutcomeUnknown.Code) || !strings.Contains(msg, "may have been carried out") || b.Calls(w.method) != 2 {
			t.Errorf("%s cut twice: %v after %d calls; want 10010 saying it may have been carried out, after 2", w.name, body, b.Calls(w.method))
		}

		b.Reset()
		b.FailNext(w.method, fakes.Unreachable())
		if body := call(t, e, http.MethodPost, w.path); code(body) != int64(errno.ServiceUnavailable.Code) || b.Calls(w.method) != 1 {
			t.Errorf("%s never sent: %v after %d calls; want 10004 after 1", w.name, body, b.Calls(w.method))
		}

		b.Reset()
		b.FailNext(w.method, fakes.BizErr(errno.Timeout))
		if body := call(t, e, http.MethodPost, w.path); code(body) != int64(errno.Timeout.Code) || b.Calls(w.method) != 1 {
			t.Errorf("%s rolled back by its service: %v after %d calls; want 10007 after 1", w.name, body, b.Calls(w.method))
		}
	}
}

// A registration whose outcome is unknown is not sent again (the name would be taken by the first
// sending): the same credentials are tried for a login, and if they work the account was made.
func TestRegisterWithAnUnknownOutcome(t *testing.T) {
	b := fakes.New()
	e := gateway(t, b)
	const path = "/douyin/user/register/?username=alice&password=secret"

	b.FailNext("user.Register", fakes.Cut())
	body := call(t, e, http.MethodPost, path)
	if code(body) != 0 || num(body["user_id"]) != fakes.RegisteredID || body["token"] != "u7" || b.Calls("user.Register") != 1 || b.Calls("user.Login") != 1 {
		t.Fatalf("registration cut, credentials work: %v after calls %v; want the account and its token", body, b.CallCounts())
	}

	b.Reset()
	b.FailNext("user.Register", fakes.Cut())
	b.FailNext("user.Login", fakes.BizErr(errno.UserLoginFailed))
	body = call(t, e, http.MethodPost, path)
	if code(body) != int64(errno.OutcomeUnknown.Code) || body["token"] != "" || b.Calls("user.Register") != 1 {
		t.Fatalf("registration cut, credentials refused: %v after calls %v; want 10010 and no token", body, b.CallCounts())
	}
}
