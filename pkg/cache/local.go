package cache

import "sync"

// Local is a bounded in-process map of facts that never change. It keeps two generations: when
// the current one is full it becomes the old one and the older is dropped, and a value found in
// the old generation moves to the current. So it holds at most max entries, and the entries used
// since the last turnover survive it: close to LRU, at the cost of one map write per hit in the
// old generation only.
type Local[K comparable, V any] struct {
	mu       sync.RWMutex
	cur, old map[K]V
	half     int
}

// NewLocal keeps at most max entries; max <= 0 keeps nothing (a nil *Local is valid and empty).
func NewLocal[K comparable, V any](max int) *Local[K, V] {
	if max <= 0 {
		return nil // keeps nothing
	}
	return &Local[K, V]{cur: map[K]V{}, old: map[K]V{}, half: max/2 + 1}
}

// Get returns the value of id, if kept.
func (l *Local[K, V]) Get(id K) (V, bool) {
	if l == nil {
		var zero V
		return zero, false
	}
	l.mu.RLock()
	v, ok := l.cur[id]
	if ok {
		l.mu.RUnlock()
		return v, true
	}
	v, ok = l.old[id]
	l.mu.RUnlock()
	if ok {
		l.Put(id, v)
	}
	return v, ok
}

// GetMany returns the values kept of ids, and the ids not kept, in the order given. It takes the
// lock once for all of them (a page asks for tens at a time).
func (l *Local[K, V]) GetMany(ids []K) (map[K]V, []K) {
	kept := make(map[K]V, len(ids))
	if l == nil {
		return kept, append([]K(nil), ids...)
	}
	var missing, promoted []K
	l.mu.RLock()
	for _, id := range ids {
		if v, ok := l.cur[id]; ok {
			kept[id] = v
		} else if v, ok := l.old[id]; ok {
			kept[id] = v
			promoted = append(promoted, id)
		} else {
			missing = append(missing, id)
		}
	}
	l.mu.RUnlock()
	for _, id := range promoted {
		l.Put(id, kept[id])
	}
	return kept, missing
}

// Put keeps v as the value of id.
func (l *Local[K, V]) Put(id K, v V) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.cur) >= l.half {
		l.old, l.cur = l.cur, make(map[K]V, l.half)
	}
	l.cur[id] = v
}

// Len is the number of entries kept.
func (l *Local[K, V]) Len() int {
	if l == nil {
		return 0
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.cur) + len(l.old)
}
