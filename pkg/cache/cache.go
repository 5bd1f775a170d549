// Package cache is the Redis cache of a service: cache-aside reads of the facts the service owns,
// with the guarantee that a read made after a write was acknowledged never returns what the
// write replaced. docs/architecture.md ("Cache") gives the whole argument; in short:
//
//   - A value that a write can change (a counter, a flag, a list) lives in a Redis key that holds
//     either the value or, while a fill is pending, its token. Readers read keys with one MGET. A
//     reader that misses gets the token, reads MySQL, and may store what it read only while the
//     key still holds that token and within the fill window of its miss (both checked by Redis in
//     one script). A write deletes the keys it changed after its transaction commits and before
//     it is acknowledged, so a reader that read MySQL before the commit can no longer store its
//     old answer.
//   - Every such value expires after the TTL. A write that cannot delete its keys (Redis down,
//     slow or unreachable from this process) waits TTL + fill window before it is acknowledged:
//     by then every value it could have made stale has expired, wherever Redis is and whatever
//     it kept (a restart from its saved data brings the same expiry times back).
//   - A value still being read near its expiry is renewed in the background (renew.go): a fill
//     whose token sits next to the value, so readers keep it meanwhile, under the same two rules.
//   - Facts that never change (a video's row, a profile) are cached plainly, in Redis and in a
//     bounded in-process map, and never invalidated.
//
// Redis is never required: a failed call counts as a miss, the answer comes from MySQL, and for a
// short while afterwards the cache is skipped altogether (so a dead Redis costs one timeout per
// retry interval, not one per request). Keys carry the owning service's namespace (its schema's
// name, "tiktok_favorite:"); no service reads another's.
package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"simpletiktok/pkg/config"
)

// Metrics counts cache lookups by result, one call per key looked up, and the values renewed.
// *metrics.Cache (tiktok_cache_requests_total{service,result}, tiktok_cache_renewals_total{service})
// implements it.
type Metrics interface {
	Hit()
	Miss()
	Error()
	Renewed(n int)
}

// RetryAfter is how long the cache is skipped after tripAfter Redis calls in a row failed. Reads
// go to MySQL meanwhile; writes still try to delete their keys (a success spares them the wait).
const RetryAfter = 500 * time.Millisecond

// tripAfter failures in a row make the cache skip Redis: one slow answer on a busy machine must
// not send every read to MySQL (which is slower than a busy Redis), a dead Redis is found out
// after a few calls.
const tripAfter = 3

// clockMargin is added to a failed write's wait, for the difference between this process's clock
// and Redis's (rates, not offsets, matter: both measure durations) and Redis's millisecond expiry.
const clockMargin = 20 * time.Millisecond

// Options are what a cache is built from.
type Options struct {
	Service string // the owning service, for logs
	// Namespace starts every key, followed by ":". Services use the name of their own schema
	// (tiktok_favorite), so that the cache is shared exactly as the data is: by the replicas of
	// one service, never by two services or by two stacks on one Redis. Empty: Service.
	Namespace string
	Config    config.Redis
	Tracer    opentracing.Tracer // nil: no spans
	Log       *slog.Logger       // nil: discard
	Metrics   Metrics            // nil: not counted
}

// Cache is one service's cache. A nil *Cache, or one opened with redis.disabled, caches nothing:
// every lookup goes to the loader, every invalidation returns at once.
type Cache struct {
	rdb     *redis.Client
	prefix  string
	cfg     config.Redis
	tracer  opentracing.Tracer
	log     *slog.Logger
	metrics Metrics
	now     func() time.Time
	sleep   func(time.Duration)

	downUntil atomic.Int64 // unix nanoseconds before which Redis is skipped
	failures  atomic.Int32 // Redis calls failed in a row
	down      atomic.Bool  // logged as down, for one line per change

	renewSlots chan struct{}  // one per renewal in progress, at most maxRenewals
	renewing   sync.WaitGroup // the renewals in progress, waited for by Close
	renewMu    sync.Mutex     // guards closed, so that no renewal starts while Close waits
	closed     bool
}

// Open returns the cache of opts.Service. It does not fail when Redis is unreachable (it logs
// it): the service answers from MySQL until Redis answers.
func Open(ctx context.Context, opts Options) (*Cache, error) {
	if opts.Service == "" {
		return nil, errors.New("cache: Options.Service is empty")
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, err
	}
	ns := opts.Namespace
	if ns == "" {
		ns = opts.Service
	}
	c := &Cache{
		prefix:  ns + ":",
		cfg:     opts.Config.WithDefaults(),
		tracer:  opts.Tracer,
		log:     opts.Log,
		metrics: opts.Metrics,
		now:     time.Now,
		sleep:   time.Sleep,

		renewSlots: make(chan struct{}, maxRenewals),
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.metrics == nil {
		c.metrics = noMetrics{}
	}
	if opts.Config.Disabled {
		c.log.Info("cache disabled (redis.disabled): every read goes to MySQL")
		return c, nil
	}
	t := c.cfg.Timeout
	c.rdb = redis.NewClient(&redis.Options{
		Addr:     c.cfg.Addr,
		Password: c.cfg.Password,
		DB:       c.cfg.DB,
		Protocol: 2,
		// Every call is bounded by Timeout, including the wait for a free connection; a failed
		// call is not retried (the loader answers instead).
		DialTimeout:           t,
		ReadTimeout:           t,
		WriteTimeout:          t,
		PoolTimeout:           t,
		PoolSize:              c.cfg.PoolSize,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
		DialerRetries:         1,
		DisableIdentity:       true,
		// Quiet connections are closed, so a process holds few when idle.
		ConnMaxIdleTime: 5 * time.Minute,
		MaintNotificationsConfig: &maintnotifications.Config{
			Mode: maintnotifications.ModeDisabled,
		},
	})
	pctx, cancel := context.WithTimeout(ctx, t)
	defer cancel()
	if err := c.rdb.Ping(pctx).Err(); err != nil {
		c.failed(err)
	} else {
		c.log.Info("cache ready", "redis", c.cfg.Addr, "prefix", c.prefix, "ttl", c.cfg.TTL.String())
	}
	return c, nil
}

// RouteLibraryLogs sends the Redis client library's own log lines (a failed dial, say) to log at
// debug level: the cache logs each change between "Redis answers" and "Redis is unreachable"
// itself, once. The library has one logger per process, so the composition root calls this once.
func RouteLibraryLogs(log *slog.Logger) {
	redis.SetLogger(libraryLog{log: log})
}

type libraryLog struct{ log *slog.Logger }

func (l libraryLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

// Close waits for the renewals in progress (each bounded by the fill window), then closes the
// connections to Redis.
func (c *Cache) Close() error {
	if c == nil || c.rdb == nil {
		return nil
	}
	c.renewMu.Lock()
	c.closed = true
	c.renewMu.Unlock()
	c.renewing.Wait()
	return c.rdb.Close()
}

// Key is the full Redis key of name and id in this service's space ("favorite:vc:42").
func (c *Cache) Key(name, id string) string {
	if c == nil {
		return ""
	}
	return c.prefix + name + ":" + id
}

// usable reports whether Redis may be called now: it is configured and no call failed within
// RetryAfter.
func (c *Cache) usable() bool {
	return c != nil && c.rdb != nil && c.now().UnixNano() >= c.downUntil.Load()
}

// failed notes a failed Redis call: after tripAfter in a row, the cache is skipped for
// RetryAfter.
func (c *Cache) failed(err error) {
	if c.failures.Add(1) < tripAfter {
		return
	}
	c.downUntil.Store(c.now().Add(RetryAfter).UnixNano())
	if c.down.CompareAndSwap(false, true) {
		c.log.Warn("redis unreachable: reading from MySQL, retrying the cache shortly", "redis", c.cfg.Addr, "error", err)
	}
}

// succeeded notes a Redis call that worked.
func (c *Cache) succeeded() {
	c.failures.Store(0)
	if c.down.CompareAndSwap(true, false) {
		c.log.Info("redis answers again: using the cache", "redis", c.cfg.Addr)
	}
}

// callShare is the most of the time its request has left that one Redis call of a read may
// take: a quarter. A read may make several lookups one after the other (a feed page reads its
// head, then its rows and its authors' work counts), each paying the timeout while Redis hangs
// and this process has not yet counted tripAfter failures; bounded by the configured timeout
// alone, two or three of them use up a read's second and the read times out (10007) instead of
// answering from MySQL. With two or more instances that is the common case, not a rare one: each
// counts its own failures, and the retry of a timed-out read goes to another instance, which has
// not found out either. A quarter of what is left leaves MySQL most of the read's time, however
// many lookups it makes.
const callShare = 4

// call runs one Redis round trip of a read under the configured timeout, or a callShare-th of the
// time ctx has left if that is shorter, and notes how it went.
func (c *Cache) call(ctx context.Context, fn func(ctx context.Context) error) error {
	timeout := c.cfg.Timeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(deadline)/callShare)
	}
	return c.callWithin(ctx, timeout, fn)
}

// callWithin is call with another bound.
func (c *Cache) callWithin(ctx context.Context, timeout time.Duration, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := fn(ctx)
	if err != nil && !errors.Is(err, redis.Nil) {
		c.failed(err)
		return err
	}
	c.succeeded()
	return nil
}

// Invalidate deletes keys (full keys, from Key or a family's Key) after the write that changed
// what they hold has committed; call it before acknowledging the write. If Redis cannot be told,
// it waits until every value those keys could hold has expired (TTL + fill window), so that the
// write is never acknowledged while a stale value can still be read. It ignores ctx's end on
// purpose: the write has committed, and the answer must not go out early.
func (c *Cache) Invalidate(ctx context.Context, keys ...string) {
	if c == nil || c.rdb == nil || len(keys) == 0 {
		return
	}
	span, sctx := c.span(context.WithoutCancel(ctx), "cache:invalidate", keys[0])
	defer span.Finish()
	span.SetTag("cache.keys", len(keys))
	// A write waits longer for its delete than a read for its lookup: the alternative is the
	// longer wait below, not a read from MySQL.
	err := c.callWithin(sctx, max(c.cfg.Timeout, c.cfg.FillWindow), func(ctx context.Context) error {
		return c.rdb.Unlink(ctx, keys...).Err()
	})
	if err == nil {
		span.SetTag("cache.result", "deleted")
		return
	}
	wait := c.cfg.TTL + c.cfg.FillWindow + clockMargin
	span.SetTag("cache.result", "error")
	span.SetTag("cache.wait_ms", wait.Milliseconds())
	// Debug: while Redis is away every write comes here; the change itself is logged once.
	c.log.DebugContext(ctx, "cache invalidation failed: waiting for the cached values to expire before acknowledging the write",
		"keys", len(keys), "wait", wait.String(), "error", err)
	c.sleep(wait)
}

// span starts a child span of ctx's span for one cache call on key's family; without a parent
// (or a tracer) it is a no-op span.
func (c *Cache) span(ctx context.Context, op, key string) (opentracing.Span, context.Context) {
	return c.spanAs(ctx, op, key, opentracing.ChildOf)
}

// spanAs is span with another relation to ctx's span (opentracing.FollowsFrom for work the
// request started but does not wait for).
func (c *Cache) spanAs(ctx context.Context, op, key string,
	relation func(opentracing.SpanContext) opentracing.SpanReference) (opentracing.Span, context.Context) {
	parent := opentracing.SpanFromContext(ctx)
	if c == nil || c.tracer == nil || parent == nil {
		return opentracing.NoopTracer{}.StartSpan(op), ctx
	}
	span := c.tracer.StartSpan(op, relation(parent.Context()))
	span.SetTag("db.system", "redis")
	span.SetTag("cache.key_pattern", patternOf(key))
	return span, opentracing.ContextWithSpan(ctx, span)
}

// patternOf turns a full key into its family ("favorite:vc:42" -> "favorite:vc:*"), so that no
// id reaches a trace.
func patternOf(key string) string {
	n := 0
	for i := 0; i < len(key); i++ {
		if key[i] == ':' {
			n++
			if n == 2 {
				return key[:i+1] + "*"
			}
		}
	}
	return key
}

type noMetrics struct{}

func (noMetrics) Hit()        {}
func (noMetrics) Miss()       {}
func (noMetrics) Error()      {}
func (noMetrics) Renewed(int) {}

// count records one lookup result per key.
func (c *Cache) count(hits, misses, errs int) {
	for range hits {
		c.metrics.Hit()
	}
	for range misses {
		c.metrics.Miss()
	}
	for range errs {
		c.metrics.Error()
	}
}

// errBadReply is a Redis answer of an unexpected shape (a script of another version, say).
var errBadReply = errors.New("cache: unexpected reply from Redis")

func badReply(what string, v any) error { return fmt.Errorf("%w: %s: %T", errBadReply, what, v) }
