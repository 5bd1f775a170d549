package limit

import (
	"fmt"
	"net/netip"
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

// Buckets that are full again are forgotten when a new key comes, so memory follows the keys
// active lately.
func TestKeyedForgetsIdleBuckets(t *testing.T) {
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
}

// A full map evicts the least recently used bucket for a new key, and keeps the state of one
// used recently: a flood of new keys is no way to reset the limit of a client being limited.
func TestKeyedEvictsLeastRecentlyUsed(t *testing.T) {
	c := newClock()
	k := NewKeyed(Rate{Events: 1, Per: time.Hour, Burst: 2}, 3, c.now)
	for _, key := range []string{"a", "b", "c"} {
		allowN(k, key, 2) // every bucket spent
	}
	k.Allow("a") // a is used again (and refused): b is now the least recently used
	k.Allow("d")
	if k.Keys() != 3 {
		t.Fatalf("%d buckets; want the cap of 3", k.Keys())
	}
	if k.Allow("a") || k.Allow("c") {
		t.Fatal("a recently used bucket lost its state: a spent key was let through")
	}
	// b was evicted: it comes back full (and in turn evicts the least recently used, d).
	if got := allowN(k, "b", 5); got != 2 {
		t.Fatalf("the evicted key let %d through; want a new bucket's burst of 2", got)
	}
	if k.Allow("a") {
		t.Fatal("a lost its state when b came back")
	}
	// A flood of new keys never grows the map past its cap, and while the attacker floods, the
	// key refused at every turn stays refused.
	for i := range 1000 {
		k.Allow(fmt.Sprint("flood", i))
		if k.Allow("a") {
			t.Fatalf("after %d flooded keys the spent key a was let through", i+1)
		}
		if k.Keys() > 3 {
			t.Fatalf("%d buckets; want at most 3", k.Keys())
		}
	}
}

// Refund gives back what Allow took, never past the burst; a forgotten key needs none.
func TestKeyedRefund(t *testing.T) {
	c := newClock()
	k := NewKeyed(Rate{Events: 1, Per: time.Hour, Burst: 2}, 10, c.now)
	for range 100 {
		if !k.Allow("ok") {
			t.Fatal("an attempt refunded every time was refused")
		}
		k.Refund("ok")
	}
	k.Refund("ok")
	k.Refund("never-seen")
	if got := allowN(k, "ok", 5); got != 2 {
		t.Fatalf("after refunds past the burst %d passed; want the burst of 2", got)
	}
	if k.Keys() != 1 {
		t.Fatalf("%d buckets; a refund must not create one", k.Keys())
	}
}

// IPv4 addresses, also IPv4-mapped, are keyed one by one; IPv6 addresses by their /64.
func TestAddressKey(t *testing.T) {
	key := func(s string) string { return AddressKey(netip.MustParseAddr(s)) }
	if key("198.51.100.7") == key("198.51.100.8") {
		t.Fatal("two IPv4 addresses share a key")
	}
	if key("::ffff:198.51.100.7") != key("198.51.100.7") {
		t.Fatalf("an IPv4-mapped address is keyed %q, not as its IPv4 %q", key("::ffff:198.51.100.7"), key("198.51.100.7"))
	}
	if key("2001:db8:1:2::1") != key("2001:db8:1:2:ffff:eeee:dddd:cccc") {
		t.Fatal("two addresses of one /64 have different keys")
	}
	if key("2001:db8:1:2::1") == key("2001:db8:1:3::1") {
		t.Fatal("two /64s share a key")
	}
	if key("fe80::1%eth0") != key("fe80::2") {
		t.Fatal("the zone is part of the key")
	}
	if AddressKey(netip.Addr{}) != "" {
		t.Fatal("no address has a key")
	}
}
