package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/opentracing/opentracing-go"
)

// maxRenewals bounds the renewals one process runs at once. A renewal is a read no request waits
// for; while the process has this many in progress, the values it would renew expire and are read
// again by their next reader, as they would be without renewal.
const maxRenewals = 8

// renewAge is the age from which a value that is read is renewed: TTL - RenewBefore.
func (c *Cache) renewAge() time.Duration { return c.cfg.TTL - c.cfg.RenewBefore }

// renewals returns the positions, among the raw values a lookup read (before they are unmarked),
// of those near their expiry: stored at least renewAge ago by this process's clock (Redis checks
// the age again by its own) and not being renewed.
func (c *Cache) renewals(raw [][]byte) []int {
	if c.cfg.RenewDisabled {
		return nil
	}
	latest := fmt.Appendf(nil, "%013d", c.now().Add(-c.renewAge()).UnixMilli())
	var old []int
	for i, r := range raw {
		if renewable(r, latest) {
			old = append(old, i)
		}
	}
	return old
}

// renew reads the ids at positions old of ids (keys) again from MySQL in the background and
// stores them before their values expire, so that a key read all the time does not miss once a
// TTL. A renewal is a fill like a miss's, with its token next to the value instead of in its
// place: readers keep reading the value meanwhile, and the rules of a fill hold. A write deletes
// the key and the token with it, so a renewal that read MySQL before the write's commit stores
// nothing; a write that could not delete waits TTL + fill window, and a renewal stores nothing
// later than the fill window after its token was handed out. docs/architecture.md ("Cache").
func (f *Family[K, V]) renew(ctx context.Context, ids []K, keys []string, old []int, load Loader[K, V]) {
	c := f.c
	var renewIDs []K
	var renewKeys []string
	for _, i := range old {
		if _, busy := f.renewingKeys.LoadOrStore(keys[i], struct{}{}); !busy {
			renewIDs = append(renewIDs, ids[i])
			renewKeys = append(renewKeys, keys[i])
		}
	}
	if len(renewKeys) == 0 {
		return
	}
	done := func() {
		for _, k := range renewKeys {
			f.renewingKeys.Delete(k)
		}
	}
	if !c.acquireRenewal() {
		done()
		return
	}
	go func() {
		defer c.releaseRenewal()
		defer done()
		f.renewNow(context.WithoutCancel(ctx), renewIDs, renewKeys, load)
	}()
}

// acquireRenewal takes one of the maxRenewals places of a renewal in progress, unless they are
// all taken or the cache is closing; releaseRenewal gives it back.
func (c *Cache) acquireRenewal() bool {
	c.renewMu.Lock()
	defer c.renewMu.Unlock()
	if c.closed {
		return false
	}
	select {
	case c.renewSlots <- struct{}{}:
		c.renewing.Add(1)
		return true
	default:
		return false
	}
}

func (c *Cache) releaseRenewal() {
	<-c.renewSlots
	c.renewing.Done()
}

// renewNow is one renewal: the tokens, the read, the store.
func (f *Family[K, V]) renewNow(ctx context.Context, ids []K, keys []string, load Loader[K, V]) {
	c := f.c
	ctx, cancel := context.WithTimeout(ctx, c.cfg.FillWindow)
	defer cancel()
	span, sctx := c.spanAs(ctx, "cache:renew", keys[0], opentracing.FollowsFrom)
	defer span.Finish()
	span.SetTag("cache.keys", len(keys))
	tk, err := c.startRenewal(sctx, keys, c.renewAge())
	if err != nil {
		span.SetTag("cache.result", "error")
		return
	}
	var renewIDs []K
	var renewKeys, tokens []string
	for i, tok := range tk.tokens {
		if tok != "" {
			renewIDs = append(renewIDs, ids[i])
			renewKeys = append(renewKeys, keys[i])
			tokens = append(tokens, tok)
		}
	}
	span.SetTag("cache.renewing", len(renewKeys))
	if len(renewKeys) == 0 {
		return // another reader, maybe in another process, renews them, or they are gone
	}
	m, err := load(sctx, renewIDs)
	if err != nil {
		span.SetTag("cache.result", "error")
		c.log.DebugContext(ctx, "cache renewal could not read its values: they expire as they are", "keys", len(renewKeys), "error", err)
		return
	}
	if n := f.fill(sctx, renewIDs, renewKeys, tokens, complete(m, renewIDs), tk.startUs); n > 0 {
		c.metrics.Renewed(n)
	}
}
