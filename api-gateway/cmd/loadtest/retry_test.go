package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// gatewayAnswering serves the answers in order, then the last one again and again; it counts
// the calls.
func gatewayAnswering(t *testing.T, answers ...string) (*api, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := int(calls.Add(1)) - 1
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, answers[min(n, len(answers)-1)])
	}))
	t.Cleanup(srv.Close)
	old := retryWait
	retryWait = func(bool, int) time.Duration { return 0 }
	t.Cleanup(func() { retryWait = old })
	return &api{base: srv.URL, client: srv.Client()}, &calls
}

func TestSeedingWaitsOutShedAnswers(t *testing.T) {
	busy := `{"status_code":10008,"status_msg":"busy"}`
	limited := `{"status_code":10009,"status_msg":"rate limited"}`
	a, calls := gatewayAnswering(t, busy, limited, busy, busy, busy, `{"status_code":0}`)
	if err := a.action(context.Background(), "/douyin/favorite/action/", nil); err != nil {
		t.Fatalf("five shed answers then ok: %v", err)
	}
	if got := calls.Load(); got != 6 {
		t.Fatalf("calls = %d, want 6", got)
	}
}

func TestSeedingGivesUpOnFailures(t *testing.T) {
	a, calls := gatewayAnswering(t, `{"status_code":10000,"status_msg":"internal"}`)
	if err := a.action(context.Background(), "/douyin/favorite/action/", nil); err == nil {
		t.Fatal("a call that always fails succeeded")
	}
	if got := calls.Load(); got != maxFailures {
		t.Fatalf("calls = %d, want %d", got, maxFailures)
	}
}

func TestSeedingGivesUpOnEndlessShedding(t *testing.T) {
	a, calls := gatewayAnswering(t, `{"status_code":10008,"status_msg":"busy"}`)
	if err := a.action(context.Background(), "/douyin/favorite/action/", nil); err == nil {
		t.Fatal("a gateway that is always busy let the seeding pass")
	}
	if got := calls.Load(); got != maxShed {
		t.Fatalf("calls = %d, want %d", got, maxShed)
	}
}

func TestSeedFileRoundTripAndMismatch(t *testing.T) {
	path := t.TempDir() + "/seed.json"
	p := newPlan(sizes{Users: 4, Videos: 2, Likes: 2, Follows: 2, Comments: 1, Messages: 1}, 1)
	d := &seeded{plan: p, users: []account{{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}},
		videos: []int64{10, 11}, videoAuthor: []int{0, 1}, done: 42}
	if err := saveSeeded(path, "http://x", d); err != nil {
		t.Fatal(err)
	}
	got, err := loadSeeded(path, "http://x", p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.users) != 4 || got.users[2].Token != "c" || got.videos[1] != 11 || got.videoAuthor[1] != 1 ||
		got.done < time.Now().Add(-time.Minute).UnixMilli() { // polls start from the load, not the old seeding

		t.Fatalf("loaded %+v", got)
	}
	if _, err := loadSeeded(path, "http://y", p); err == nil {
		t.Fatal("a seeding of another gateway was reused")
	}
	other := newPlan(sizes{Users: 5, Videos: 2}, 1)
	if _, err := loadSeeded(path, "http://x", other); err == nil {
		t.Fatal("a seeding of other sizes was reused")
	}
}
