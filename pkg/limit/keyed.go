package limit

import (
	"container/list"
	"sync"
	"time"
)

// Keyed keeps one token bucket per key (a client address, a user, an account name). Memory is
// bounded: the buckets are kept in the order they were last used, a bucket untouched long enough
// to be full again is dropped when a new key comes, and past maxKeys keys the least recently used
// bucket makes room for the new one. A flood of made-up keys thus pushes out only buckets nobody
// used for longer than the flood lasted; the buckets of the clients being limited right now,
// which are touched at every request, keep their state (clearing the whole map instead would let
// anyone reset everyone's limit by sending from enough addresses).
type Keyed struct {
	rate    Rate
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*list.Element // of *bucket
	byUse   *list.List               // front: used most recently
}

type bucket struct {
	key    string
	tokens float64
	at     time.Time // when tokens was last brought up to date, that is last used
}

// DefaultMaxKeys bounds the buckets of one Keyed: about 100 bytes each, 10 MB at most.
const DefaultMaxKeys = 100_000

// NewKeyed returns per-key buckets of r, at most maxKeys of them. now is the clock (time.Now
// outside tests).
func NewKeyed(r Rate, maxKeys int, now func() time.Time) *Keyed {
	if maxKeys < 1 {
		maxKeys = 1
	}
	return &Keyed{rate: r, maxKeys: maxKeys, now: now, buckets: map[string]*list.Element{}, byUse: list.New()}
}

// Allow takes a token from key's bucket, or reports false when there is none left.
func (k *Keyed) Allow(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.use(key, true)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Refund gives back a token Allow took for something that turned out to cost nothing (a login
// that succeeded, a registration refused for its input). A bucket forgotten meanwhile is full
// already.
func (k *Keyed) Refund(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if b := k.use(key, false); b != nil {
		b.tokens = min(b.tokens+1, float64(k.rate.Burst))
	}
}

// Keys is the number of buckets kept.
func (k *Keyed) Keys() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}

// use returns key's bucket brought up to date and marked as used now; a key without a bucket gets
// a full one when create is set, and nil otherwise.
func (k *Keyed) use(key string, create bool) *bucket {
	now := k.now()
	if e, ok := k.buckets[key]; ok {
		k.byUse.MoveToFront(e)
		b := e.Value.(*bucket)
		if elapsed := now.Sub(b.at); elapsed > 0 {
			b.tokens = min(b.tokens+elapsed.Seconds()*k.rate.perSecond(), float64(k.rate.Burst))
		}
		b.at = now
		return b
	}
	if !create {
		return nil
	}
	k.makeRoom(now)
	b := &bucket{key: key, tokens: float64(k.rate.Burst), at: now}
	k.buckets[key] = k.byUse.PushFront(b)
	return b
}

// makeRoom drops the buckets that are full again (they are the least recently used ones, at the
// back), and then, if the map is still at its cap, the least recently used bucket.
func (k *Keyed) makeRoom(now time.Time) {
	idle := k.rate.refill()
	for e := k.byUse.Back(); e != nil && now.Sub(e.Value.(*bucket).at) >= idle; e = k.byUse.Back() {
		k.drop(e)
	}
	for len(k.buckets) >= k.maxKeys {
		k.drop(k.byUse.Back())
	}
}

func (k *Keyed) drop(e *list.Element) {
	k.byUse.Remove(e)
	delete(k.buckets, e.Value.(*bucket).key)
}
