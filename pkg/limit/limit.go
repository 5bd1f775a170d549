// Package limit holds the gateway's admission limits, free of HTTP: a cap on the requests in
// flight (Gate), token buckets kept per key (Keyed), who the client is behind trusted proxies
// (ClientAddr) and the key of a client address (AddressKey).
package limit

import (
	"sync/atomic"
	"time"
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

// perSecond is the refill rate in tokens a second.
func (r Rate) perSecond() float64 { return float64(r.Events) / r.Per.Seconds() }

// refill is how long an empty bucket takes to fill up again: a bucket untouched that long is
// full, and forgetting it loses nothing, since a new bucket starts full.
func (r Rate) refill() time.Duration {
	return time.Duration(float64(r.Burst) / r.perSecond() * float64(time.Second))
}
