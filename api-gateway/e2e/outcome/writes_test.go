//go:build integration

package outcome

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// write is one kind of write whose answer the proxy can cut: a comment post or a message send,
// with the place the phone reads it back.
type write struct {
	name  string
	proxy *cutProxy // in front of the service that carries the write out
	// send makes the write as the phone does, with the idempotency key when key is not empty.
	send func(t *testing.T, text, key string) e2etest.Answer
	// stored reads back, as the phone does, the ids of the stored rows that hold text.
	stored func(t *testing.T, text string) []int64
	// answeredID is the id of the row a successful answer carries (-1: none); nil for a write
	// whose answer is status only.
	answeredID func(a e2etest.Answer) int64
}

// writes gives each kind of write a place of its own: a new video to comment on, a new pair of
// users to chat. Every test gets fresh ones, so whatever they hold is the test's doing.
func writes(t *testing.T) []write {
	return []write{commentPost(t), messageSend(t)}
}

// commentPost comments on a new video. The key goes as the parameter request_id.
func commentPost(t *testing.T) write {
	t.Helper()
	author, commenter := register(t, "director"), register(t, "critic")
	video := publish(t, author)
	return write{
		name:  "comment post",
		proxy: shared.comment,
		send: func(t *testing.T, text, key string) e2etest.Answer {
			t.Helper()
			params := url.Values{"token": {commenter.token}, "video_id": {fmt.Sprint(video)},
				"action_type": {"1"}, "comment_text": {text}}
			if key != "" {
				params.Set("request_id", key)
			}
			return e2etest.ContractShape(t, shared.phone.Post(t, "/douyin/comment/action/", params))
		},
		stored: func(t *testing.T, text string) []int64 {
			t.Helper()
			list := e2etest.OK(t, shared.phone.Get(t, "/douyin/comment/list/", url.Values{
				"token": {commenter.token}, "video_id": {fmt.Sprint(video)}})).List(t, "comment_list")
			// The video holds this test's comments only: its count must be the list's length.
			if n := commentCount(t, author, video); n != int64(len(list)) {
				t.Fatalf("comment_count %d, but the comment list holds %d", n, len(list))
			}
			var ids []int64
			for _, c := range list {
				if c["content"] == text {
					ids = append(ids, e2etest.AsInt(c["id"]))
				}
			}
			return ids
		},
		answeredID: func(a e2etest.Answer) int64 { return e2etest.AsInt(a.Obj("comment")["id"]) },
	}
}

// commentCount is video's comment_count in its author's publish list.
func commentCount(t *testing.T, author user, video int64) int64 {
	t.Helper()
	for _, v := range worksOf(t, author) {
		if e2etest.AsInt(v["id"]) == video {
			return e2etest.AsInt(v["comment_count"])
		}
	}
	t.Fatalf("video %d is not in the publish list of its author %d", video, author.id)
	return 0
}

// messageSend writes to a new user. The key goes as the header Idempotency-Key.
func messageSend(t *testing.T) write {
	t.Helper()
	from, to := register(t, "sender"), register(t, "reader")
	return write{
		name:  "message send",
		proxy: shared.message,
		send: func(t *testing.T, text, key string) e2etest.Answer {
			t.Helper()
			req := shared.phone.Request(t, http.MethodPost, "/douyin/message/action/", url.Values{"token": {from.token},
				"to_user_id": {fmt.Sprint(to.id)}, "action_type": {"1"}, "content": {text}})
			if key != "" {
				req.Header.Set("Idempotency-Key", key)
			}
			return e2etest.ContractShape(t, shared.phone.Do(t, req))
		},
		stored: func(t *testing.T, text string) []int64 {
			t.Helper()
			// The receiver's view: what was stored, not what the sender's side may remember.
			chat := e2etest.OK(t, shared.phone.Get(t, "/douyin/message/chat/", url.Values{
				"token": {to.token}, "to_user_id": {fmt.Sprint(from.id)}})).List(t, "message_list")
			var ids []int64
			for _, m := range chat {
				if m["content"] == text {
					ids = append(ids, e2etest.AsInt(m["id"]))
				}
			}
			return ids
		},
	}
}
