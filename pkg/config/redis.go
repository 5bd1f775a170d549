package config

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// Redis is the cache of a service (docs/architecture.md, "Cache"). The cache only speeds reads
// up: a service starts, and answers correctly from MySQL, while Redis is down.
//
// TTL bounds the life of every cached value that a write can change; it is also how long a write
// waits before it is acknowledged when it could not remove the values it changed from Redis (so
// keep it short: a second is plenty for hot keys). FillWindow is the longest a reader may take
// between its cache miss and storing what it read from MySQL; a later store is refused. Timeout
// bounds each Redis call, so a Redis that does not answer only slows a request down by that much.
// RenewBefore is how long before its expiry a value that is still being read is read again from
// MySQL in the background, so that a key read all the time does not miss once a TTL.
type Redis struct {
	Disabled   bool          `yaml:"disabled" env:"TIKTOK_REDIS_DISABLED"`
	Addr       string        `yaml:"addr" env:"TIKTOK_REDIS_ADDR"`
	Password   string        `yaml:"-" env:"TIKTOK_REDIS_PASSWORD"` // never in a committed file
	DB         int           `yaml:"db" env:"TIKTOK_REDIS_DB"`
	Timeout    time.Duration `yaml:"timeout"`
	TTL        time.Duration `yaml:"ttl"`
	FillWindow time.Duration `yaml:"fill_window"`
	// RenewBefore: zero is a quarter of the TTL. RenewDisabled turns renewal off: every value
	// then expires and is read again by the first reader that misses it.
	RenewBefore   time.Duration `yaml:"renew_before"`
	RenewDisabled bool          `yaml:"renew_disabled" env:"TIKTOK_REDIS_RENEW_DISABLED"`
	// ImmutableTTL is the life in Redis of facts that never change (a video's row, a profile).
	ImmutableTTL time.Duration `yaml:"immutable_ttl"`
	// LocalEntries bounds the in-process cache of those immutable facts, per kind.
	LocalEntries int `yaml:"local_entries"`
	// PoolSize is how many connections to Redis one process may hold: one per call in flight.
	PoolSize int `yaml:"pool_size"`
}

// Defaults of the fields left at zero.
const (
	DefaultRedisTimeout      = 500 * time.Millisecond
	DefaultRedisTTL          = time.Second
	DefaultRedisFillWindow   = 500 * time.Millisecond
	DefaultRedisImmutableTTL = time.Hour
	DefaultRedisLocalEntries = 50_000
	// DefaultRedisPoolSize lets a service under a few hundred concurrent calls reach Redis without
	// queueing for a connection (a wait counts against redis.timeout).
	DefaultRedisPoolSize = 64
)

// WithDefaults returns r with every zero duration or size replaced by its default.
func (r Redis) WithDefaults() Redis {
	if r.Timeout == 0 {
		r.Timeout = DefaultRedisTimeout
	}
	if r.TTL == 0 {
		r.TTL = DefaultRedisTTL
	}
	if r.FillWindow == 0 {
		r.FillWindow = DefaultRedisFillWindow
	}
	if r.RenewBefore == 0 {
		r.RenewBefore = r.TTL / 4
	}
	if r.ImmutableTTL == 0 {
		r.ImmutableTTL = DefaultRedisImmutableTTL
	}
	if r.LocalEntries == 0 {
		r.LocalEntries = DefaultRedisLocalEntries
	}
	if r.PoolSize == 0 {
		r.PoolSize = DefaultRedisPoolSize
	}
	return r
}

// Validate needs an address unless the cache is disabled, and sizes that make sense.
func (r Redis) Validate() error {
	if r.Disabled {
		return nil
	}
	var errs []error
	if _, _, err := net.SplitHostPort(r.Addr); err != nil {
		errs = append(errs, fmt.Errorf("redis.addr: %q is not host:port (set it or TIKTOK_REDIS_ADDR, or redis.disabled: true)", r.Addr))
	}
	if r.Timeout < 0 || r.TTL < 0 || r.FillWindow < 0 || r.RenewBefore < 0 || r.ImmutableTTL < 0 || r.LocalEntries < 0 || r.DB < 0 || r.PoolSize < 0 {
		errs = append(errs, errors.New("redis: timeout, ttl, fill_window, renew_before, immutable_ttl, local_entries, pool_size and db must not be negative"))
	}
	d := r.WithDefaults()
	if d.TTL < 10*time.Millisecond || d.FillWindow < 10*time.Millisecond {
		errs = append(errs, errors.New("redis.ttl and redis.fill_window must be at least 10ms (Redis expires keys by the millisecond)"))
	}
	if d.RenewBefore >= d.TTL {
		errs = append(errs, fmt.Errorf("redis.renew_before (%s) must be shorter than redis.ttl (%s)", d.RenewBefore, d.TTL))
	}
	return errors.Join(errs...)
}
