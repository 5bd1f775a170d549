package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestBusinessCounters(t *testing.T) {
	reg := prometheus.NewRegistry()
	b, err := NewBusiness(reg)
	if err != nil {
		t.Fatal(err)
	}
	// Before any event the fixed series exist at zero, so that rates and ratios are defined.
	for _, l := range [][2]string{{"logins_total", "ok"}, {"logins_total", "failed"}, {"likes_total", "unlike"}} {
		name := "tiktok_" + l[0]
		m := family(t, reg, name)
		if len(m.GetMetric()) != 2 {
			t.Fatalf("%s has %d series before any event; want 2 at zero", name, len(m.GetMetric()))
		}
	}
	b.Registered()
	b.LoggedIn(true)
	b.LoggedIn(false)
	b.LoggedIn(false)
	b.Published()
	b.Liked(true)
	b.Liked(false)
	b.Commented(true)
	b.Followed(false)
	b.MessageSent()
	b.MessageSent()
	b.Degraded("feed")
	b.RateLimited("/douyin/user/login/")
	checks := []struct {
		c    prometheus.Collector
		want float64
	}{
		{b.registrations, 1},
		{b.logins.WithLabelValues("ok"), 1},
		{b.logins.WithLabelValues("failed"), 2},
		{b.publishes, 1},
		{b.likes.WithLabelValues("like"), 1},
		{b.likes.WithLabelValues("unlike"), 1},
		{b.comments.WithLabelValues("post"), 1},
		{b.comments.WithLabelValues("delete"), 0},
		{b.follows.WithLabelValues("unfollow"), 1},
		{b.messages, 2},
		{b.degraded.WithLabelValues("feed"), 1},
		{b.rateLimited.WithLabelValues("/douyin/user/login/"), 1},
	}
	for i, c := range checks {
		if got := testutil.ToFloat64(c.c); got != c.want {
			t.Errorf("check %d: %v; want %v", i, got, c.want)
		}
	}
}

func TestNilBusinessIsANoOp(t *testing.T) {
	var b *Business
	b.Registered()
	b.LoggedIn(true)
	b.Published()
	b.Liked(true)
	b.Commented(false)
	b.Followed(true)
	b.MessageSent()
	b.Degraded("feed")
	b.RateLimited("/")
}

func TestCacheAndQueue(t *testing.T) {
	reg := prometheus.NewRegistry()
	c, err := NewCache(reg, "favorite")
	if err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(c.requests); n != 3 {
		t.Fatalf("cache series before any lookup = %d; want hit, miss and error at zero", n)
	}
	c.Hit()
	c.Hit()
	c.Miss()
	if got := testutil.ToFloat64(c.requests.WithLabelValues("favorite", CacheHit)); got != 2 {
		t.Fatalf("hits = %v", got)
	}
	q, err := NewQueue(reg)
	if err != nil {
		t.Fatal(err)
	}
	q.SetDepth("video.uploaded", 4)
	q.Processed("video.uploaded", 2*time.Second)
	q.Retried("video.uploaded")
	q.DeadLettered("video.uploaded")
	if got := testutil.ToFloat64(q.depth.WithLabelValues("video.uploaded")); got != 4 {
		t.Fatalf("depth = %v", got)
	}
	if got := histogramCount(t, reg, "tiktok_queue_processing_duration_seconds", map[string]string{"queue": "video.uploaded"}); got != 1 {
		t.Fatalf("processing samples = %d", got)
	}
}

// A second set of the same metrics on one registry is a wiring mistake: it must come back as an
// error the caller can return, not as a panic.
func TestDuplicateRegistrationIsAnError(t *testing.T) {
	reg := NewRegistry()
	constructors := map[string]func() error{
		"http":     func() error { _, err := NewHTTP(reg); return err },
		"rpc":      func() error { _, err := NewRPC(reg); return err },
		"db":       func() error { _, err := NewDB(reg); return err },
		"business": func() error { _, err := NewBusiness(reg); return err },
		"queue":    func() error { _, err := NewQueue(reg); return err },
		"cache":    func() error { _, err := NewCache(reg, "user"); return err },
	}
	for name, build := range constructors {
		if err := build(); err != nil {
			t.Fatalf("first %s: %v", name, err)
		}
		if err := build(); err == nil {
			t.Fatalf("second %s set on one registry was accepted", name)
		}
	}
}
