// Package cachetest gives a service's integration tests a real cache: a redis-server of the test's
// own (redistest) and a cache opened on it as the service opens its own, with counters of its
// hits, misses and errors.
package cachetest

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/cache/redistest"
	"simpletiktok/pkg/config"
)

// Counts counts the cache's lookups and renewals (it is the cache's Metrics).
type Counts struct{ hits, misses, errs, renewed atomic.Int64 }

func (c *Counts) Hit()          { c.hits.Add(1) }
func (c *Counts) Miss()         { c.misses.Add(1) }
func (c *Counts) Error()        { c.errs.Add(1) }
func (c *Counts) Renewed(n int) { c.renewed.Add(int64(n)) }

// Hits, Misses, Errors and Renewals are the totals so far.
func (c *Counts) Hits() int64     { return c.hits.Load() }
func (c *Counts) Misses() int64   { return c.misses.Load() }
func (c *Counts) Errors() int64   { return c.errs.Load() }
func (c *Counts) Renewals() int64 { return c.renewed.Load() }

// Cache is a service's cache on a test's own Redis.
type Cache struct {
	*cache.Cache
	Server *redistest.Server
	Counts *Counts
	Config config.Redis
}

// Config is the configuration the tests use: short lifetimes, so that a test that waits for a
// value to expire stays short, and a generous call timeout for a busy machine.
func Config(addr string) config.Redis {
	return config.Redis{Addr: addr, Timeout: 500 * time.Millisecond, TTL: 400 * time.Millisecond,
		FillWindow: 300 * time.Millisecond, LocalEntries: 1000}
}

// Open starts a redis-server for the test and opens service's cache on it.
func Open(t testing.TB, service string) *Cache {
	t.Helper()
	srv := redistest.Start(t)
	return OpenOn(t, srv, service)
}

// OpenOn opens service's cache on a server the test already runs (two services, or two replicas
// of one, sharing a Redis).
func OpenOn(t testing.TB, srv *redistest.Server, service string) *Cache {
	t.Helper()
	// The client library's own lines (failed dials while a test has stopped Redis) are noise here.
	cache.RouteLibraryLogs(slog.New(slog.DiscardHandler))
	counts := &Counts{}
	cfg := Config(srv.Addr)
	c, err := cache.Open(context.Background(), cache.Options{Service: service, Config: cfg, Metrics: counts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &Cache{Cache: c, Server: srv, Counts: counts, Config: cfg}
}

// RetryAfter is how long a test waits after Redis comes back for the cache to be tried again.
const RetryAfter = cache.RetryAfter + 100*time.Millisecond

// UsedAgain checks that the cache is used again once Redis answers again: after RetryAfter it
// runs check twice (with step and which read it is), and the second must hit the cache.
func (c *Cache) UsedAgain(t testing.TB, step string, check func(step string)) {
	t.Helper()
	time.Sleep(RetryAfter)
	check(step + ", first read")
	hits := c.Counts.Hits()
	check(step + ", second read")
	if c.Counts.Hits() <= hits {
		t.Fatalf("%s: the cache is not used again (hits stay at %d)", step, hits)
	}
}
