//go:build integration

package cache

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"simpletiktok/pkg/cache/redistest"
	"simpletiktok/pkg/config"
)

// renewConfig renews a value read half a second or more after it was stored (renewAge), and
// keeps it 5 s: long enough that no value of these tests expires on a busy machine before the
// test is done with it.
func renewConfig(addr string) config.Redis {
	return config.Redis{Addr: addr, Timeout: 500 * time.Millisecond, TTL: 5 * time.Second,
		RenewBefore: 5*time.Second - renewAge, FillWindow: 150 * time.Millisecond, LocalEntries: 100}
}

const renewAge = 500 * time.Millisecond

// stored returns what key holds in Redis ("" when nothing).
func stored(t *testing.T, srv *redistest.Server, key string) string {
	t.Helper()
	c := srv.Client()
	defer c.Close()
	v, err := c.Get(context.Background(), key).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		t.Fatal(err)
	}
	return v
}

// waitReads waits until the store has been read n times: a renewal is reading it.
func waitReads(t *testing.T, s *store, n int64) {
	t.Helper()
	for range 5000 {
		if s.reads.Load() >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("the store was read %d times; want %d", s.reads.Load(), n)
}

// A value read near its end is read again from the store in the background and stored with a new
// life, while the read that found it is answered from the cache; a value read early is not.
func TestAValueReadNearItsEndIsRenewed(t *testing.T) {
	srv := redistest.Start(t)
	c, m := openCache(t, renewConfig(srv.Addr))
	s := newStore()
	s.set(1, 10)
	f := NewMutable(c, "n", Itoa, Int64)
	get(t, f, s, 1)
	first := stored(t, srv, f.Key(1))
	if v := get(t, f, s, 1); v != 10 {
		t.Fatalf("an early read = %d; want 10", v)
	}
	c.renewing.Wait()
	if s.reads.Load() != 1 || stored(t, srv, f.Key(1)) != first {
		t.Fatalf("an early read renewed the value: %d store reads, key %q (was %q)", s.reads.Load(), stored(t, srv, f.Key(1)), first)
	}
	time.Sleep(renewAge + 50*time.Millisecond)
	if v := get(t, f, s, 1); v != 10 {
		t.Fatalf("the read that renews = %d; want 10", v)
	}
	c.renewing.Wait()
	renewed := stored(t, srv, f.Key(1))
	if s.reads.Load() != 2 || renewed <= first || !strings.HasSuffix(renewed, "-"+string(Int64.Encode(10))) {
		t.Fatalf("after a late read: %d store reads, key %q (was %q); want 2 and a value stored later", s.reads.Load(), renewed, first)
	}
	if m.hits.Load() != 2 || m.misses.Load() != 1 {
		t.Fatalf("hits %d, misses %d; want 2 and 1 (a renewal is neither)", m.hits.Load(), m.misses.Load())
	}

	t.Run("not when renewal is off", func(t *testing.T) {
		cfg := renewConfig(srv.Addr)
		cfg.RenewDisabled = true
		off, _ := openCache(t, cfg)
		f := NewMutable(off, "n", Itoa, Int64)
		time.Sleep(renewAge + 50*time.Millisecond)
		reads := s.reads.Load()
		if v := get(t, f, s, 1); v != 10 {
			t.Fatalf("read = %d; want 10", v)
		}
		off.renewing.Wait()
		if s.reads.Load() != reads || stored(t, srv, f.Key(1)) != renewed {
			t.Fatalf("renewal is off, yet the store was read (%d → %d) or the key changed", reads, s.reads.Load())
		}
	})
}

// The race renewal must not lose: a renewal reads the old value from the store, a write commits
// and deletes the key, a reader fills the key with the new value, then the renewal tries to store
// what it read. Nothing is stored: the key keeps the write's value.
func TestRenewalAfterAWriteStoresNothing(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := openCache(t, renewConfig(srv.Addr))
	s := newStore()
	s.set(1, 10)
	f := NewMutable(c, "n", Itoa, Int64)
	get(t, f, s, 1)
	time.Sleep(renewAge + 50*time.Millisecond)
	gate := make(chan struct{})
	s.mu.Lock()
	s.gate = gate
	s.mu.Unlock()
	if v := get(t, f, s, 1); v != 10 { // answered from the cache; the renewal waits at the gate
		t.Fatalf("read = %d; want 10", v)
	}
	waitReads(t, s, 2)
	s.commit(1, 11)                              // the write commits...
	c.Invalidate(context.Background(), f.Key(1)) // ...and deletes the key before its acknowledgment
	if v := get(t, f, s, 1); v != 11 {
		t.Fatalf("a read after the acknowledged write = %d; want 11", v)
	}
	filled := stored(t, srv, f.Key(1))
	close(gate)
	c.renewing.Wait()
	if v := stored(t, srv, f.Key(1)); v != filled {
		t.Fatalf("the renewal that read before the write replaced %q with %q", filled, v)
	}
	if v := get(t, f, s, 1); v != 11 {
		t.Fatalf("a read after the renewal = %d; want 11", v)
	}
}

// A renewal's token is handed out once: to one reader among all the processes that share the
// Redis, to values old enough only, and only while the value lasts. Its store is refused after
// the fill window, and a store within it gives the value a new life.
func TestRenewalTokens(t *testing.T) {
	srv := redistest.Start(t)
	cfg := renewConfig(srv.Addr)
	a, _ := openCache(t, cfg)
	b, _ := openCache(t, cfg)
	ctx := context.Background()
	keys := []string{a.Key("n", "1"), a.Key("n", "2"), a.Key("n", "3")}
	s := newStore()
	s.set(1, 10)
	s.set(2, 20)
	if _, err := NewMutable(a, "n", Itoa, Int64).Get(ctx, []int64{1, 2}, s.load); err != nil {
		t.Fatal(err)
	}
	tk, err := a.startRenewal(ctx, keys, time.Hour)
	if err != nil || tk.tokens[0] != "" || tk.tokens[1] != "" || tk.tokens[2] != "" {
		t.Fatalf("tokens for young values %q (%v); want none", tk.tokens, err)
	}
	time.Sleep(100 * time.Millisecond)
	tk, err = a.startRenewal(ctx, keys, 50*time.Millisecond)
	if err != nil || tk.tokens[0] == "" || tk.tokens[1] == "" || tk.tokens[2] != "" {
		t.Fatalf("tokens %q (%v); want one for each value, none for the key without one", tk.tokens, err)
	}
	if v := stored(t, srv, keys[0]); unmarked([]byte(v)) == nil || string(unmarked([]byte(v))) != string(Int64.Encode(10)) {
		t.Fatalf("a value being renewed holds %q; want its value still readable", v)
	}
	other, err := b.startRenewal(ctx, keys, 50*time.Millisecond)
	if err != nil || other.tokens[0] != "" || other.tokens[1] != "" {
		t.Fatalf("another process got tokens %q (%v) for values being renewed", other.tokens, err)
	}
	n, err := a.fill(ctx, keys[:1], tk.tokens[:1], [][]byte{Int64.Encode(11)}, tk.startUs)
	if err != nil || n != 1 {
		t.Fatalf("a timely renewal stored %d (%v); want 1", n, err)
	}
	if v := stored(t, srv, keys[0]); string(unmarked([]byte(v))) != string(Int64.Encode(11)) || v[stampLen] != '-' {
		t.Fatalf("after the renewal the key holds %q; want the new value, renewable again", v)
	}
	time.Sleep(cfg.FillWindow + 50*time.Millisecond)
	n, err = a.fill(ctx, keys[1:2], tk.tokens[1:2], [][]byte{Int64.Encode(21)}, tk.startUs)
	if err != nil || n != 0 {
		t.Fatalf("a renewal later than the fill window stored %d (%v); want 0", n, err)
	}
	if v := stored(t, srv, keys[1]); string(unmarked([]byte(v))) != string(Int64.Encode(20)) {
		t.Fatalf("after a late renewal the key holds %q; want the value as it was", v)
	}
}

// Writers and readers race while every value read is renewed as soon as it is 10 ms old: no read
// begun after a write was acknowledged returns a value older than that write.
func TestRenewalRacingWrites(t *testing.T) {
	srv := redistest.Start(t)
	cfg := config.Redis{Addr: srv.Addr, Timeout: 500 * time.Millisecond, TTL: 200 * time.Millisecond,
		RenewBefore: 190 * time.Millisecond, FillWindow: 100 * time.Millisecond, LocalEntries: 100}
	c, m := openCache(t, cfg)
	s := newStore()
	f := NewMutable(c, "n", Itoa, Int64)
	ids := []int64{1, 2, 3}
	var acked [4]atomic.Int64 // by id: the highest value acknowledged
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := ids[(r+i)%len(ids)]
				before := acked[id].Load()
				got, err := f.Get(context.Background(), ids, s.load)
				if err != nil {
					t.Error(err)
					return
				}
				if got[id] < before {
					t.Errorf("a read begun after %d of id %d was acknowledged returned %d", before, id, got[id])
					return
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range 40 {
				id := ids[(w+i)%len(ids)]
				s.mu.Lock()
				s.vals[id]++
				v := s.vals[id]
				s.mu.Unlock()
				c.Invalidate(context.Background(), f.Key(id))
				for a := acked[id].Load(); a < v && !acked[id].CompareAndSwap(a, v); a = acked[id].Load() {
				}
				time.Sleep(15 * time.Millisecond) // each id written every 22 ms or so: old enough to renew in between
			}
		}()
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	c.renewing.Wait()
	if m.renewed.Load() == 0 || m.hits.Load() == 0 {
		t.Fatalf("%d values renewed, %d hits: the test did not race renewals", m.renewed.Load(), m.hits.Load())
	}
	t.Logf("%d hits, %d misses, %d values renewed", m.hits.Load(), m.misses.Load(), m.renewed.Load())
}
