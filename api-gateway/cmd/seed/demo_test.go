package main

import (
	"testing"
	"unicode/utf8"
)

// The demo data holds together: every name and title it uses exists, each is within the
// contract's limits, titles are unique (a run finds a video by its title), and every chat is
// between friends, so that each friend list shows a latest message.
func TestDemoDataHoldsTogether(t *testing.T) {
	users := map[string]bool{}
	titles := map[string]bool{}
	for _, u := range demoUsers {
		if n := utf8.RuneCountInString(u.name); n < 1 || n > 32 || users[u.name] {
			t.Errorf("user name %q: empty, over 32 characters or repeated", u.name)
		}
		users[u.name] = true
		if len(u.clips) == 0 {
			t.Errorf("%s publishes nothing", u.name)
		}
		for _, c := range u.clips {
			if n := utf8.RuneCountInString(c.title); n < 1 || n > 100 || titles[c.title] {
				t.Errorf("title %q: empty, over 100 characters or repeated", c.title)
			}
			titles[c.title] = true
		}
	}
	if n := len(demoPassword); n < 1 || n > 32 {
		t.Errorf("the demo password has %d characters", n)
	}
	follows := map[follow]bool{}
	for _, f := range demoFollows {
		if !users[f.from] || !users[f.to] || f.from == f.to || follows[f] {
			t.Errorf("follow %+v: an unknown user, oneself, or repeated", f)
		}
		follows[f] = true
	}
	likes := map[like]bool{}
	for _, l := range demoLikes {
		if !users[l.user] || !titles[l.title] || likes[l] {
			t.Errorf("like %+v: an unknown user or video, or repeated", l)
		}
		likes[l] = true
	}
	for _, c := range demoComments {
		if !users[c.user] || !titles[c.title] || c.text == "" || utf8.RuneCountInString(c.text) > 500 {
			t.Errorf("comment %+v", c)
		}
	}
	for _, m := range demoMessages {
		if !follows[follow{m.from, m.to}] || !follows[follow{m.to, m.from}] || m.text == "" {
			t.Errorf("message %+v: not between friends, or empty", m)
		}
	}
}
