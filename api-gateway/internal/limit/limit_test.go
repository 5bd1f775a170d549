package limit

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// The gate lets max requests in at once, refuses the next, and takes one again once one leaves.
func TestGateCapsInFlight(t *testing.T) {
	g := NewGate(3)
	var wg sync.WaitGroup
	admitted := make(chan bool, 10)
	for range 10 {
		wg.Go(func() { admitted <- g.Enter() })
	}
	wg.Wait()
	close(admitted)
	n := 0
	for ok := range admitted {
		if ok {
			n++
		}
	}
	if n != 3 || g.InFlight() != 3 {
		t.Fatalf("%d admitted, %d in flight; want 3", n, g.InFlight())
	}
	g.Leave()
	if !g.Enter() || g.Enter() {
		t.Fatal("after one left, exactly one more must get in")
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

// allowN asks n times and counts the yeses.
func allowN(k *Keyed, key string, n int) int {
	ok := 0
	for range n {
		if k.Allow(key) {
			ok++
		}
	}
	return ok
}

// A key gets its burst at once, then its rate; keys do not share buckets.
func TestKeyedBuckets(t *testing.T) {
	c := newClock()
	k := NewKeyed(Rate{Events: 6, Per: time.Minute, Burst: 3}, DefaultMaxKeys, c.now)
	if got := allowN(k, "10.0.0.1", 10); got != 3 {
		t.Fatalf("a burst of 10 let %d through; want the burst of 3", got)
	}
	if got := allowN(k, "10.0.0.2", 10); got != 3 {
		t.Fatalf("another key let %d through; want its own burst of 3", got)
	}
	c.advance(10 * time.Second) // one token at 6 per minute
	if got := allowN(k, "10.0.0.1", 10); got != 1 {
		t.Fatalf("10 s later %d passed; want 1", got)
	}
}

// Buckets that are full again are forgotten; a flood of keys past the cap clears them all rather
// than grow.
func TestKeyedForgetsIdleBucketsAndStaysBounded(t *testing.T) {
	c := newClock()
	k := NewKeyed(Rate{Events: 1, Per: time.Second, Burst: 2}, 100, c.now)
	for i := range 50 {
		k.Allow(fmt.Sprint("ip", i))
	}
	c.advance(2 * time.Minute)
	k.Allow("fresh")
	if k.Keys() != 1 {
		t.Fatalf("%d buckets after two idle minutes; want only the fresh one", k.Keys())
	}
	for i := range 1000 {
		k.Allow(fmt.Sprint("flood", i))
		if k.Keys() > 100 {
			t.Fatalf("%d buckets; want at most 100", k.Keys())
		}
	}
}
