package cache

import "context"

// Batch reads the keys of several lookups, of one family or many, with one Redis round trip: a
// service call that needs three families (a page's like counts, the viewer's likes, the authors'
// counts) pays for one MGET, not three. Each lookup is added with its family's GetIn and answers,
// after Run, exactly what its Get would have.
type Batch struct {
	c     *Cache
	keys  []string
	parts []batchPart
}

// batchPart is one lookup of a batch: its keys are b.keys[from:to]; finish completes it with
// what the MGET read of them (or its error).
type batchPart struct {
	from, to int
	finish   func(ctx context.Context, raw [][]byte, err error)
}

// NewBatch starts a batch of lookups in c (which may be nil: every lookup then goes to its loader).
func (c *Cache) NewBatch() *Batch { return &Batch{c: c} }

// Pending is a lookup of a batch; its answer is ready once the batch has run.
type Pending[K comparable, V any] struct {
	values map[K]V
	err    error
}

// Result is the lookup's answer, as the family's Get would give it.
func (p *Pending[K, V]) Result() (map[K]V, error) { return p.values, p.err }

// add registers a lookup of keys, finished by finish when the batch runs.
func (b *Batch) add(keys []string, finish func(ctx context.Context, raw [][]byte, err error)) {
	b.parts = append(b.parts, batchPart{from: len(b.keys), to: len(b.keys) + len(keys), finish: finish})
	b.keys = append(b.keys, keys...)
}

// Run reads every key of the batch with one MGET (none when the cache is skipped for now) and
// finishes each lookup in turn: their misses are loaded and filled one lookup after the other.
func (b *Batch) Run(ctx context.Context) {
	var raw [][]byte
	err := errSkipped
	if len(b.keys) > 0 && b.c.usable() {
		raw, err = b.c.getPlain(ctx, b.keys)
	}
	for _, p := range b.parts {
		var part [][]byte
		if err == nil {
			part = raw[p.from:p.to]
		}
		p.finish(ctx, part, err)
	}
	b.keys, b.parts = nil, nil
}

// GetIn adds to b a lookup of ids that answers, once b has run, what Get(ctx, ids, load) would.
func (f *Family[K, V]) GetIn(b *Batch, ids []K, load Loader[K, V]) *Pending[K, V] {
	p := &Pending[K, V]{}
	ids = unique(ids)
	switch {
	case len(ids) == 0:
		p.values = map[K]V{}
	case f.immutable:
		out, missIDs := f.local.GetMany(ids)
		keys := f.keysOf(missIDs)
		b.add(keys, func(ctx context.Context, raw [][]byte, err error) {
			if len(missIDs) == 0 {
				err = errSkipped // answered from the process; nothing was read
			}
			p.values, p.err = f.finishImmutable(ctx, len(ids), out, missIDs, keys, raw, err, load)
		})
	default:
		keys := f.keysOf(ids)
		b.add(keys, func(ctx context.Context, raw [][]byte, err error) {
			if err != nil {
				p.values, p.err = f.direct(ctx, ids, load)
				return
			}
			p.values, p.err = f.finishMutable(ctx, ids, keys, raw, nil, load)
		})
	}
	return p
}
