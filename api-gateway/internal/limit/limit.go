// Package limit holds the gateway's admission limits, free of HTTP: a cap on the requests in
// flight (Gate) and token buckets kept per key, a client address or a user (Keyed).
package limit

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Gate caps the requests in flight. A request over the cap is refused at once rather than queued:
// a queue longer than the gateway can serve in a timeout only turns every request into a timeout.
type Gate struct {
	max    int64
	flying atomic.Int64
}

// NewGate returns a gate for max requests at once.
func NewGate(max int) *Gate { return &Gate{max: int64(max)} }

// Enter takes a place, or reports false when all max are taken. Every true must be followed by
// one Leave.
func (g *Gate) Enter() bool {
	if g.flying.Add(1) > g.max {
		g.flying.Add(-1)
		return false
	}
	return true
}

// Leave gives the place back.
func (g *Gate) Leave() { g.flying.Add(-1) }

// InFlight is the number of places taken.
func (g *Gate) InFlight() int64 { return g.flying.Load() }

// Rate is a token bucket: Events per Per on average, in bursts of at most Burst.
type Rate struct {
	Events int
	Per    time.Duration
	Burst  int
}

func (r Rate) limit() rate.Limit { return rate.Limit(float64(r.Events) / r.Per.Seconds()) }

// refill is how long an idle bucket takes to fill up again: after that, forgetting it loses
// nothing, since a fresh bucket starts full.
func (r Rate) refill() time.Duration {
	return time.Duration(float64(r.Burst) / float64(r.limit()) * float64(time.Second))
}

// Keyed keeps one bucket per key. Buckets idle long enough to be full again are dropped now and
// then, so memory follows the keys active lately. Past maxKeys active keys (a flood of made-up
// addresses), it forgets every bucket rather than grow: the limit turns lenient for a moment
// instead of the gateway running out of memory.
type Keyed struct {
	rate    Rate
	maxKeys int
	now     func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// DefaultMaxKeys bounds the buckets of one Keyed.
const DefaultMaxKeys = 100_000

// NewKeyed returns per-key buckets of r. now is the clock (time.Now outside tests).
func NewKeyed(r Rate, maxKeys int, now func() time.Time) *Keyed {
	return &Keyed{rate: r, maxKeys: maxKeys, now: now, buckets: map[string]*bucket{}, lastSweep: now()}
}

// Allow takes a token from key's bucket, or reports false when it is empty.
func (k *Keyed) Allow(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	b, ok := k.buckets[key]
	if !ok {
		k.makeRoom(now)
		b = &bucket{lim: rate.NewLimiter(k.rate.limit(), k.rate.Burst)}
		k.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// Keys is the number of buckets kept.
func (k *Keyed) Keys() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}

// makeRoom drops the buckets that are full again, once a minute or when the map is at its cap.
func (k *Keyed) makeRoom(now time.Time) {
	if len(k.buckets) < k.maxKeys && now.Sub(k.lastSweep) < time.Minute {
		return
	}
	k.lastSweep = now
	idle := k.rate.refill()
	for key, b := range k.buckets {
		if now.Sub(b.seen) >= idle {
			delete(k.buckets, key)
		}
	}
	if len(k.buckets) >= k.maxKeys {
		clear(k.buckets)
	}
}
