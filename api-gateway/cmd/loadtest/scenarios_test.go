package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"testing"
)

// The comment lists and chats the reads load are never those the lasting writes lengthen.
func TestLastingWritesGoWhereReadsDoNotRead(t *testing.T) {
	s := sizes{Users: 40, Videos: 60, Likes: 200, Follows: 300, Comments: 100, Messages: 100}
	d := &seeded{plan: newPlan(s, 1), done: 1}
	for i := range s.Users {
		d.users = append(d.users, account{ID: int64(i + 1), Token: fmt.Sprintf("token-%d", i+1)})
	}
	for v := range s.Videos {
		d.videos = append(d.videos, int64(1000+v))
		d.videoAuthor = append(d.videoAuthor, d.plan.Authors[v])
	}
	all, err := newScenarios("http://127.0.0.1:1", d, 200, 7)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]scenario{}
	for _, sc := range all {
		byName[sc.name] = sc
	}
	// params reads a parameter of each request of a scenario (the body's, for a POST's form).
	params := func(name string, keys ...string) map[string]bool {
		out := map[string]bool{}
		for _, tg := range byName[name].targets {
			req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(tg.raw)))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := req.ParseForm(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var v string
			for _, k := range keys {
				v += req.Form.Get(k) + "/"
			}
			out[v] = true
		}
		if len(out) < 2 {
			t.Fatalf("%s: %d distinct requests", name, len(out))
		}
		return out
	}
	listed, commented := params("comment list", "video_id"), params("comment post", "video_id")
	for v := range commented {
		if listed[v] {
			t.Fatalf("video %s is both commented on and listed", v)
		}
	}
	// A chat is read by one of its pair (token) with the other (to_user_id), and written the same
	// way: whichever way round, it is one chat.
	chats := func(name string) map[[2]int64]bool {
		out := map[[2]int64]bool{}
		for c := range params(name, "token", "to_user_id") {
			var me, peer int64
			if _, err := fmt.Sscanf(c, "token-%d/%d/", &me, &peer); err != nil {
				t.Fatalf("%s: %q: %v", name, c, err)
			}
			out[[2]int64{min(me, peer), max(me, peer)}] = true
		}
		return out
	}
	polled, sent := chats("chat poll"), chats("message send")
	for c := range sent {
		if polled[c] {
			t.Fatalf("the chat of %v is both written and read", c)
		}
	}
}
