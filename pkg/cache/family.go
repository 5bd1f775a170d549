package cache

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Loader reads from MySQL the values of ids that the cache did not have. It may leave ids out:
// see NewMutable and NewImmutable for what that means.
type Loader[K comparable, V any] func(ctx context.Context, ids []K) (map[K]V, error)

// Family is one kind of cached value of a service: a name ("vc" for video like counts), the id
// that completes its key, and how its values are written.
type Family[K comparable, V any] struct {
	c            *Cache
	name         string
	id           func(K) string
	codec        Codec[V]
	immutable    bool
	local        *Local[K, V] // immutable families only
	final        func(V) bool // immutable families: which values are final (nil: all)
	flights      singleflight.Group
	renewingKeys sync.Map // mutable families: the keys this process renews now
}

// NewMutable is a family of values that writes change: counters, flags, lists. The loader's
// answer is complete: an id it leaves out has the zero value (no likes, an empty list), which is
// cached like any other. Writes must Invalidate the keys they change (Key).
func NewMutable[K comparable, V any](c *Cache, name string, id func(K) string, codec Codec[V]) *Family[K, V] {
	return &Family[K, V]{c: c, name: name, id: id, codec: codec}
}

// NewImmutable is a family of facts that never change once they exist (a video's row, a
// profile). An id the loader leaves out does not exist (yet) and is not cached. Values are also
// kept in this process, up to redis.local_entries of them.
func NewImmutable[K comparable, V any](c *Cache, name string, id func(K) string, codec Codec[V]) *Family[K, V] {
	entries := 0
	if c != nil {
		entries = c.cfg.LocalEntries
	}
	return &Family[K, V]{c: c, name: name, id: id, codec: codec, immutable: true, local: NewLocal[K, V](entries)}
}

// Until makes an immutable family cache only the values final says are final: a value that may
// still change once (a video whose cover is not made yet) is read from MySQL until it is final,
// and never changes after. It returns f.
func (f *Family[K, V]) Until(final func(V) bool) *Family[K, V] {
	f.final = final
	return f
}

// isFinal reports whether v may be cached.
func (f *Family[K, V]) isFinal(v V) bool { return f.final == nil || f.final(v) }

// Key is the full Redis key of id, for Cache.Invalidate.
func (f *Family[K, V]) Key(id K) string { return f.c.Key(f.name, f.id(id)) }

// Get returns the values of ids, from the cache where it has them and from load for the rest
// (then stored for the next reader). For a mutable family every id asked has a value; for an
// immutable one, only the ids that exist.
func (f *Family[K, V]) Get(ctx context.Context, ids []K, load Loader[K, V]) (map[K]V, error) {
	ids = unique(ids)
	if len(ids) == 0 {
		return map[K]V{}, nil
	}
	if f.immutable {
		return f.getImmutable(ctx, ids, load)
	}
	return f.getMutable(ctx, ids, load)
}

// complete gives every id of ids a value in m, the zero value where load left it out.
func complete[K comparable, V any](m map[K]V, ids []K) map[K]V {
	if m == nil {
		m = make(map[K]V, len(ids))
	}
	for _, id := range ids {
		if _, ok := m[id]; !ok {
			var zero V
			m[id] = zero
		}
	}
	return m
}

// direct answers from MySQL alone, when Redis is not to be used.
func (f *Family[K, V]) direct(ctx context.Context, ids []K, load Loader[K, V]) (map[K]V, error) {
	if f.c != nil && f.c.rdb != nil {
		f.c.count(0, 0, len(ids))
	}
	m, err := load(ctx, ids)
	if err != nil {
		return nil, err
	}
	if f.immutable {
		return m, nil
	}
	return complete(m, ids), nil
}

func (f *Family[K, V]) getMutable(ctx context.Context, ids []K, load Loader[K, V]) (map[K]V, error) {
	if !f.c.usable() {
		return f.direct(ctx, ids, load)
	}
	keys := f.keysOf(ids)
	raw, err := f.c.getPlain(ctx, keys)
	return f.finishMutable(ctx, ids, keys, raw, err, load)
}

// keysOf returns the full keys of ids.
func (f *Family[K, V]) keysOf(ids []K) []string {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = f.Key(id)
	}
	return keys
}

// finishMutable answers ids from what the MGET of their keys read (raw, or its error): hits
// decoded, misses looked up for their tokens and loaded (then filled). A failed read answers from
// MySQL.
func (f *Family[K, V]) finishMutable(ctx context.Context, ids []K, keys []string, raw [][]byte, readErr error,
	load Loader[K, V]) (map[K]V, error) {
	c := f.c
	if readErr != nil {
		return f.direct(ctx, ids, load)
	}
	myStart := c.now()
	span, sctx := c.span(ctx, "cache:get", c.Key(f.name, ""))
	defer span.Finish()
	span.SetTag("cache.keys", len(ids))
	old := c.renewals(raw)
	values, tk, err := c.lookupAfter(sctx, keys, raw)
	if err != nil {
		span.SetTag("cache.result", "error")
		return f.direct(ctx, ids, load)
	}
	if len(old) > 0 {
		span.SetTag("cache.renew", len(old))
		f.renew(ctx, ids, keys, old, load)
	}
	out := make(map[K]V, len(ids))
	var missIDs []K
	var missKeys, missTokens []string
	for i, id := range ids {
		if values[i] != nil {
			if v, err := f.codec.Decode(values[i]); err == nil {
				out[id] = v
				continue
			}
		}
		// A value that does not decode (written by another version) is read again; it is not
		// stored, having no token, and expires with its TTL.
		missIDs = append(missIDs, id)
		missKeys = append(missKeys, keys[i])
		missTokens = append(missTokens, tk.token(i))
	}
	c.count(len(ids)-len(missIDs), len(missIDs), 0)
	span.SetTag("cache.result", result(len(ids), len(missIDs)))
	if len(missIDs) == 0 {
		return out, nil
	}
	loaded, err := f.loadShared(ctx, myStart, missIDs, missKeys, missTokens, tk.startUs, load)
	if err != nil {
		return nil, err
	}
	for _, id := range missIDs {
		out[id] = loaded[id]
	}
	return out, nil
}

// flight is the shared result of one load.
type flight[K comparable, V any] struct {
	values  map[K]V
	started time.Time
}

// loadShared loads the misses once for every reader that missed the same keys with the same
// tokens, and fills the cache with the result. A reader joins a load in progress only if the
// load began less than a fill window before the reader did: the same token means no write
// deleted the keys in between, and the age bound covers the writes that could not delete them
// (they wait TTL + fill window before their acknowledgment). docs/architecture.md has the
// argument.
func (f *Family[K, V]) loadShared(ctx context.Context, myStart time.Time, ids []K, keys, tokens []string,
	startUs int64, load Loader[K, V]) (map[K]V, error) {
	var b strings.Builder
	for i, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(tokens[i])
		b.WriteByte(';')
	}
	leader := false
	res, err, shared := f.flights.Do(b.String(), func() (any, error) {
		leader = true
		started := f.c.now()
		m, err := load(ctx, ids)
		if err != nil {
			return nil, err
		}
		m = complete(m, ids)
		f.fill(ctx, ids, keys, tokens, m, startUs)
		return flight[K, V]{values: m, started: started}, nil
	})
	if shared && !leader && (err != nil || myStart.Sub(res.(flight[K, V]).started) > f.c.cfg.FillWindow) {
		// The leader failed (its context ended, say) or began too early: read alone.
		m, err := load(ctx, ids)
		if err != nil {
			return nil, err
		}
		return complete(m, ids), nil
	}
	if err != nil {
		return nil, err
	}
	return res.(flight[K, V]).values, nil
}

// fill stores what a load read, under the tokens of the lookup that missed (or of the renewal);
// it returns how many values it stored.
func (f *Family[K, V]) fill(ctx context.Context, ids []K, keys, tokens []string, m map[K]V, startUs int64) int {
	span, sctx := f.c.span(ctx, "cache:fill", keys[0])
	defer span.Finish()
	values := make([][]byte, len(ids))
	for i, id := range ids {
		values[i] = f.codec.Encode(m[id])
	}
	stored, err := f.c.fill(sctx, keys, tokens, values, startUs)
	span.SetTag("cache.keys", len(keys))
	span.SetTag("cache.stored", stored)
	if err != nil {
		span.SetTag("cache.result", "error")
	}
	return stored
}

func (f *Family[K, V]) getImmutable(ctx context.Context, ids []K, load Loader[K, V]) (map[K]V, error) {
	out, missIDs := f.local.GetMany(ids)
	if len(missIDs) == 0 || !f.c.usable() {
		return f.finishImmutable(ctx, len(ids), out, missIDs, nil, nil, errSkipped, load)
	}
	keys := f.keysOf(missIDs)
	raw, err := f.c.getPlain(ctx, keys)
	return f.finishImmutable(ctx, len(ids), out, missIDs, keys, raw, err, load)
}

// errSkipped stands for the Redis read that was not made: the cache is skipped for now.
var errSkipped = errors.New("cache: redis skipped")

// finishImmutable completes out (the n ids asked, less missIDs, which this process did not keep)
// from what the MGET of the misses' keys read (raw, or its error; errSkipped when Redis was not
// asked), then from load for the rest, which it stores.
func (f *Family[K, V]) finishImmutable(ctx context.Context, n int, out map[K]V, missIDs []K, keys []string,
	raw [][]byte, readErr error, load Loader[K, V]) (map[K]V, error) {
	c := f.c
	// One span per lookup, answered from the process, Redis or MySQL (local hits included: a
	// trace shows where every answer came from).
	span, sctx := c.span(ctx, "cache:get", c.Key(f.name, ""))
	defer span.Finish()
	span.SetTag("cache.keys", n)
	localHits := n - len(missIDs)
	span.SetTag("cache.local_hits", localHits)
	counted := c != nil && c.rdb != nil
	if len(missIDs) == 0 {
		span.SetTag("cache.result", "hit")
		if counted {
			c.count(localHits, 0, 0)
		}
		return out, nil
	}
	keep := func(m map[K]V) {
		for id, v := range m {
			if f.isFinal(v) {
				f.local.Put(id, v)
			}
			out[id] = v
		}
	}
	if readErr != nil {
		if counted {
			c.count(localHits, 0, len(missIDs))
			span.SetTag("cache.result", "error")
		}
		m, err := load(ctx, missIDs)
		if err != nil {
			return nil, err
		}
		keep(m)
		return out, nil
	}
	var stillIDs []K
	var stillKeys []string
	for i, id := range missIDs {
		if raw[i] != nil {
			if v, err := f.codec.Decode(raw[i]); err == nil {
				f.local.Put(id, v)
				out[id] = v
				continue
			}
		}
		stillIDs = append(stillIDs, id)
		stillKeys = append(stillKeys, keys[i])
	}
	c.count(n-len(stillIDs), len(stillIDs), 0)
	span.SetTag("cache.result", result(n, len(stillIDs)))
	if len(stillIDs) == 0 {
		return out, nil
	}
	// Facts that never change can be shared by any readers of the same ids.
	res, err, _ := f.flights.Do(strings.Join(stillKeys, ";"), func() (any, error) {
		m, err := load(ctx, stillIDs)
		if err != nil {
			return nil, err
		}
		var keys []string
		var values [][]byte
		for i, id := range stillIDs {
			if v, ok := m[id]; ok && f.isFinal(v) {
				keys = append(keys, stillKeys[i])
				values = append(values, f.codec.Encode(v))
			}
		}
		if len(keys) > 0 {
			fspan, fctx := c.span(sctx, "cache:fill", keys[0])
			if err := c.setPlain(fctx, keys, values, c.cfg.ImmutableTTL); err != nil {
				fspan.SetTag("cache.result", "error")
			}
			fspan.SetTag("cache.keys", len(keys))
			fspan.Finish()
		}
		return m, nil
	})
	if err != nil {
		return nil, err
	}
	keep(res.(map[K]V))
	return out, nil
}

// result is the cache.result tag of a lookup of n keys with misses among them.
func result(n, misses int) string {
	switch misses {
	case 0:
		return "hit"
	case n:
		return "miss"
	}
	return "partial"
}

// unique returns ids without repeats, in their first order.
func unique[K comparable](ids []K) []K {
	seen := make(map[K]struct{}, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}
