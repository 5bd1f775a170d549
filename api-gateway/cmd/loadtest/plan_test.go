package main

import (
	"testing"
	"time"
)

func TestPlanDrawsValidDistinctData(t *testing.T) {
	s := sizes{Users: 200, Videos: 300, Likes: 3000, Follows: 1500, Comments: 1500, Messages: 1000}
	p := newPlan(s, 1)
	if len(p.Authors) != 300 || len(p.Likes) != 3000 || len(p.Follows) != 1500 || len(p.Comments) != 1500 || len(p.Messages) != 1000 {
		t.Fatalf("sizes: %d videos, %d likes, %d follows, %d comments, %d messages", len(p.Authors), len(p.Likes), len(p.Follows), len(p.Comments), len(p.Messages))
	}
	likes := map[pair]bool{}
	for _, l := range p.Likes {
		if likes[l] || l.A < 0 || l.A >= s.Users || l.B < 0 || l.B >= s.Videos {
			t.Fatalf("like %v repeated or out of range", l)
		}
		likes[l] = true
	}
	follows := map[pair]bool{}
	for _, f := range p.Follows {
		if follows[f] || f.A == f.B || f.A >= s.Users || f.B >= s.Users {
			t.Fatalf("follow %v repeated, of oneself or out of range", f)
		}
		follows[f] = true
	}
	if len(p.Friends) < 300 {
		t.Errorf("%d friend pairs; want about a quarter of the follows", len(p.Friends))
	}
	friends := map[pair]bool{}
	for _, f := range p.Friends {
		if !follows[f] || !follows[pair{f.B, f.A}] {
			t.Fatalf("friends %v do not follow each other", f)
		}
		friends[f] = true
	}
	for _, m := range p.Messages {
		if !friends[m] && !friends[pair{m.B, m.A}] {
			t.Fatalf("message %v between users who are not friends", m)
		}
	}
	if q := newPlan(s, 1); q.Likes[17] != p.Likes[17] || q.Messages[5] != p.Messages[5] {
		t.Error("the same seed must draw the same plan")
	}
}

func TestPlanCutsImpossibleSizes(t *testing.T) {
	p := newPlan(sizes{Users: 2, Videos: 1, Likes: 10, Follows: 10, Messages: 3}, 1)
	if len(p.Likes) != 2 || len(p.Follows) != 2 {
		t.Errorf("%d likes and %d follows from 2 users and 1 video; want 2 and 2", len(p.Likes), len(p.Follows))
	}
}

func TestFreshPairsAvoidTheSeed(t *testing.T) {
	used := []pair{{0, 1}, {1, 0}, {2, 0}}
	got := freshPairs(3, 100, 3, 3, true, used)
	if len(got) != 3 { // 3x3 minus 3 self pairs minus 3 used
		t.Fatalf("%d fresh pairs, want 3: %v", len(got), got)
	}
	for _, g := range got {
		if g.A == g.B || g == used[0] || g == used[1] || g == used[2] {
			t.Errorf("fresh pair %v is a self pair or a seeded one", g)
		}
	}
}

func TestOpenLoopSchedule(t *testing.T) {
	start := time.Unix(1000, 0)
	if got := scheduledAt(start, 0, 1000); !got.Equal(start) {
		t.Errorf("request 0 due at %v, want the start", got)
	}
	if got := scheduledAt(start, 1500, 1000); got.Sub(start) != 1500*time.Millisecond {
		t.Errorf("request 1500 at 1000/s due %v after the start, want 1.5s", got.Sub(start))
	}
	if got := scheduledAt(start, 3, 3); got.Sub(start) != time.Second {
		t.Errorf("request 3 at 3/s due %v after the start, want 1s", got.Sub(start))
	}
}
