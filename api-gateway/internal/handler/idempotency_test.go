package handler_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cloudwego/hertz/pkg/common/ut"

	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/api-gateway/internal/handler"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/kitex_gen/message"
)

// A comment post and a message send pass the client's idempotency key on, from the
// Idempotency-Key header or else the request_id parameter; without either they send none; a
// malformed key is refused before any service is called.
func TestIdempotencyKeysReachTheServices(t *testing.T) {
	b := fakes.New()
	e := gateway(t, b)
	key := ut.Header{Key: handler.IdempotencyHeader, Value: "0f8fad5b-d9cb-469f-a165-70867728950e"}

	post := "/douyin/comment/action/?token=u7&video_id=3&action_type=1&comment_text=hi"
	for _, c := range []struct {
		path    string
		headers []ut.Header
		want    string
	}{
		{post, []ut.Header{key}, key.Value},
		{post + "&request_id=from-param", nil, "from-param"},
		{post + "&request_id=from-param", []ut.Header{key}, key.Value},
		{post, nil, ""},
	} {
		if body := call(t, e, http.MethodPost, c.path, c.headers...); code(body) != 0 {
			t.Fatalf("%s: %v", c.path, body)
		}
		if got := b.Last("comment.PostComment").(*comment.PostCommentRequest).RequestKey; got != c.want {
			t.Fatalf("%s with %v: the service got key %q; want %q", c.path, c.headers, got, c.want)
		}
	}

	send := "/douyin/message/action/?token=u7&to_user_id=3&action_type=1&content=hi&request_id=m-1"
	if body := call(t, e, http.MethodPost, send); code(body) != 0 || b.Last("message.SendMessage").(*message.SendMessageRequest).RequestKey != "m-1" {
		t.Fatalf("a send with request_id = %v; the service got %+v", body, b.Last("message.SendMessage"))
	}

	b.Reset()
	bad := ut.Header{Key: handler.IdempotencyHeader, Value: strings.Repeat("k", 65)}
	for _, path := range []string{post, send} {
		body := call(t, e, http.MethodPost, path, bad)
		if code(body) != 10001 || !strings.Contains(body["status_msg"].(string), "idempotency key") || b.Total() != 0 {
			t.Fatalf("%s with a 65-character key = %v after calls %v; want 10001 and no call", path, body, b.CallCounts())
		}
	}
}
