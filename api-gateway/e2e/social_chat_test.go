//go:build integration

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"simpletiktok/api-gateway/e2e/e2etest"
)

func send(t *testing.T, from member, to int64, content string, extra ...string) e2etest.Answer {
	t.Helper()
	kv := append([]string{"token", from.token, "to_user_id", fmt.Sprint(to), "action_type", "1", "content", content}, extra...)
	return shared.phone.Post(t, "/douyin/message/action/", e2etest.Vals(kv...))
}

// chat reads the conversation of who with peer, checking every message's fields.
func chat(t *testing.T, who member, peer int64, kv ...string) []map[string]any {
	t.Helper()
	a := e2etest.OK(t, shared.phone.Get(t, "/douyin/message/chat/", e2etest.Vals(append([]string{"token", who.token, "to_user_id", fmt.Sprint(peer)}, kv...)...)))
	list := a.List(t, "message_list")
	for _, m := range list {
		sameKeys(t, "message", m, messageFields)
	}
	return list
}

// texts gives a conversation as "from>to:content" items, in order.
func texts(list []map[string]any) string {
	parts := make([]string, len(list))
	for i, m := range list {
		parts[i] = fmt.Sprintf("%d>%d:%s", e2etest.AsInt(m["from_user_id"]), e2etest.AsInt(m["to_user_id"]), m["content"])
	}
	return strings.Join(parts, " | ")
}

func line(from, to member, content string) string {
	return fmt.Sprintf("%d>%d:%s", from.id, to.id, content)
}

// friendMessages gives a friend list as "id:message:msgType" items, in order.
func friendMessages(list []map[string]any) string {
	parts := make([]string, len(list))
	for i, f := range list {
		parts[i] = fmt.Sprintf("%d:%s:%d", e2etest.AsInt(f["id"]), f["message"], e2etest.AsInt(f["msgType"]))
	}
	return strings.Join(parts, " | ")
}

func TestChatSession(t *testing.T) {
	alice, bob, carol, eve := join(t, "alice"), join(t, "bob"), join(t, "carol"), join(t, "eve")
	follow(t, alice, bob)
	follow(t, bob, alice)
	follow(t, alice, carol)
	follow(t, carol, alice)

	before := time.Now().UnixMilli()
	e2etest.OK(t, send(t, alice, bob.id, "hi bob"))
	e2etest.OK(t, send(t, bob, alice.id, "hi alice 👋 & <b>?"))
	// A form body works as well as the query string.
	e2etest.OK(t, shared.phone.PostForm(t, "/douyin/message/action/", e2etest.Vals("token", alice.token, "to_user_id", bob.sid(),
		"action_type", "1", "content", "how are you?")))
	e2etest.OK(t, send(t, eve, carol.id, "not about alice and bob"))

	afterFirst := []string{line(bob, alice, "hi alice 👋 & <b>?"), line(alice, bob, "how are you?")}
	want := strings.Join(append([]string{line(alice, bob, "hi bob")}, afterFirst...), " | ")
	msgs := chat(t, alice, bob.id)
	if got := texts(msgs); got != want {
		t.Fatalf("alice's chat with bob = %s; want %s", got, want)
	}
	for i, m := range msgs {
		ct, id := e2etest.AsInt(m["create_time"]), e2etest.AsInt(m["id"])
		if ct < before || ct > time.Now().UnixMilli()+1000 {
			t.Fatalf("message %d create_time %d is not epoch milliseconds of its sending (after %d)", i, ct, before)
		}
		if i > 0 && (ct <= e2etest.AsInt(msgs[i-1]["create_time"]) || id <= e2etest.AsInt(msgs[i-1]["id"])) {
			t.Fatalf("message %d (%v) is not after message %d (%v)", i, m, i-1, msgs[i-1])
		}
	}
	// The other side sees the same conversation; the same request answers the same.
	if got := texts(chat(t, bob, alice.id)); got != want {
		t.Fatalf("bob's chat with alice = %s; want %s", got, want)
	}
	if got := texts(chat(t, alice, bob.id)); got != want {
		t.Fatalf("the same chat request answered %s, then %s", want, got)
	}
	// Strictly newer than pre_msg_time.
	first, last := fmt.Sprint(e2etest.AsInt(msgs[0]["create_time"])), fmt.Sprint(e2etest.AsInt(msgs[2]["create_time"]))
	if got := texts(chat(t, bob, alice.id, "pre_msg_time", first)); got != strings.Join(afterFirst, " | ") {
		t.Fatalf("chat after the first message = %s", got)
	}
	if got := chat(t, bob, alice.id, "pre_msg_time", last); len(got) != 0 {
		t.Fatalf("chat after the last message = %s; want []", texts(got))
	}

	// Nobody reads a conversation they are not part of, whatever parameters they add.
	for _, kv := range [][]string{nil, {"user_id", alice.sid()}, {"from_user_id", alice.sid()}} {
		if got := chat(t, eve, bob.id, kv...); len(got) != 0 {
			t.Fatalf("eve reads bob's messages (%v): %s", kv, texts(got))
		}
		if got := chat(t, eve, alice.id, kv...); len(got) != 0 {
			t.Fatalf("eve reads alice's messages (%v): %s", kv, texts(got))
		}
	}
	if got := texts(chat(t, carol, eve.id)); got != line(eve, carol, "not about alice and bob") {
		t.Fatalf("carol's chat with eve = %s", got)
	}

	// Friends carry the latest message between the caller and them: 1 = the caller sent it.
	if got, want := friendMessages(users(t, "/douyin/relation/friend/list/", alice, alice)),
		fmt.Sprintf("%d::0 | %d:how are you?:1", carol.id, bob.id); got != want {
		t.Fatalf("alice's friends = %s; want %s", got, want)
	}
	if got, want := friendMessages(users(t, "/douyin/relation/friend/list/", bob, bob)),
		fmt.Sprintf("%d:how are you?:0", alice.id); got != want {
		t.Fatalf("bob's friends = %s; want %s", got, want)
	}
	e2etest.OK(t, send(t, carol, alice.id, "yo"))
	if got, want := friendMessages(users(t, "/douyin/relation/friend/list/", alice, alice)),
		fmt.Sprintf("%d:yo:0 | %d:how are you?:1", carol.id, bob.id); got != want {
		t.Fatalf("alice's friends after carol wrote = %s; want %s", got, want)
	}
	// Eve looking at alice's friends sees her own latest messages with them, not alice's.
	if got, want := friendMessages(users(t, "/douyin/relation/friend/list/", eve, alice)),
		fmt.Sprintf("%d:not about alice and bob:1 | %d::0", carol.id, bob.id); got != want {
		t.Fatalf("alice's friends seen by eve = %s; want %s", got, want)
	}
}

func TestMessageRefusals(t *testing.T) {
	alice, bob := join(t, "alice"), join(t, "bob")
	cases := []struct {
		name string
		kv   []string
		code int64
	}{
		{"to yourself", []string{"to_user_id", alice.sid(), "action_type", "1", "content", "me"}, 16002},
		{"to nobody", []string{"to_user_id", "999999999", "action_type", "1", "content", "hello?"}, 11003},
		{"empty", []string{"to_user_id", bob.sid(), "action_type", "1", "content", ""}, 16003},
		{"no content", []string{"to_user_id", bob.sid(), "action_type", "1"}, 16003},
		{"blank", []string{"to_user_id", bob.sid(), "action_type", "1", "content", "  \n\t "}, 16003},
		{"501 characters", []string{"to_user_id", bob.sid(), "action_type", "1", "content", strings.Repeat("字", 501)}, 16003},
		{"action_type 2", []string{"to_user_id", bob.sid(), "action_type", "2", "content", "hi"}, 16001},
		{"no action_type", []string{"to_user_id", bob.sid(), "content", "hi"}, 16001},
		{"no to_user_id", []string{"action_type", "1", "content", "hi"}, 10001},
		{"to_user_id zero", []string{"to_user_id", "0", "action_type", "1", "content", "hi"}, 10001},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := e2etest.Refused(t, shared.phone.Post(t, "/douyin/message/action/", e2etest.Vals(append([]string{"token", alice.token}, c.kv...)...)))
			if a.Code() != c.code {
				t.Fatalf("status_code %d (%s); want %d", a.Code(), a.Str("status_msg"), c.code)
			}
		})
	}
	if got := chat(t, bob, alice.id); len(got) != 0 {
		t.Fatalf("refused messages were stored: %s", texts(got))
	}

	// The limit is 500 characters, not bytes.
	long := strings.Repeat("字", 500)
	e2etest.OK(t, send(t, alice, bob.id, long))
	if got := chat(t, bob, alice.id); len(got) != 1 || got[0]["content"] != long {
		t.Fatalf("a 500 character message came back as %d messages", len(got))
	}

	for what, kv := range map[string][]string{
		"chat with yourself":      {"to_user_id", alice.sid()},
		"chat without to_user_id": {},
		"negative pre_msg_time":   {"to_user_id", bob.sid(), "pre_msg_time", "-1"},
		"pre_msg_time not number": {"to_user_id", bob.sid(), "pre_msg_time", "yesterday"},
	} {
		t.Run(what, func(t *testing.T) {
			a := e2etest.Refused(t, shared.phone.Get(t, "/douyin/message/chat/", e2etest.Vals(append([]string{"token", alice.token}, kv...)...)))
			if l, isList := a.Body["message_list"].([]any); !isList || len(l) != 0 {
				t.Fatalf("message_list is not []: %s", a.Raw)
			}
		})
	}
}
