//go:build integration

package cache

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"

	"simpletiktok/pkg/cache/redistest"
	"simpletiktok/pkg/config"
)

// counter is a Metrics that tests can read.
type counter struct{ hits, misses, errs, renewed atomic.Int64 }

func (c *counter) Hit()          { c.hits.Add(1) }
func (c *counter) Miss()         { c.misses.Add(1) }
func (c *counter) Error()        { c.errs.Add(1) }
func (c *counter) Renewed(n int) { c.renewed.Add(int64(n)) }

// store is the "MySQL" of these tests: a map whose reads are counted.
type store struct {
	mu    sync.Mutex
	vals  map[int64]int64
	reads atomic.Int64
	// gate, when set, is waited on by every read after it has taken its snapshot.
	gate chan struct{}
}

func newStore() *store { return &store{vals: map[int64]int64{}} }

func (s *store) set(id, v int64) {
	s.mu.Lock()
	s.vals[id] = v
	s.mu.Unlock()
}

// commit is a write of v to id while a read waits at the gate: the reads after it do not wait.
func (s *store) commit(id, v int64) {
	s.mu.Lock()
	s.gate = nil
	s.vals[id] = v
	s.mu.Unlock()
}

func (s *store) load(_ context.Context, ids []int64) (map[int64]int64, error) {
	s.reads.Add(1)
	s.mu.Lock()
	out := map[int64]int64{}
	for _, id := range ids {
		if v, ok := s.vals[id]; ok {
			out[id] = v
		}
	}
	gate := s.gate
	s.mu.Unlock()
	if gate != nil {
		<-gate
	}
	return out, nil
}

// testConfig uses short lifetimes, so that the tests that wait for expiry stay short. Renewal is
// off: these tests count the store's reads, and renew_test.go turns it on.
func testConfig(addr string) config.Redis {
	return config.Redis{Addr: addr, Timeout: 200 * time.Millisecond, TTL: 300 * time.Millisecond,
		FillWindow: 150 * time.Millisecond, LocalEntries: 100, RenewDisabled: true}
}

func openCache(t *testing.T, cfg config.Redis) (*Cache, *counter) {
	t.Helper()
	m := &counter{}
	c, err := Open(context.Background(), Options{Service: "t", Config: cfg, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, m
}

func get(t *testing.T, f *Family[int64, int64], s *store, id int64) int64 {
	t.Helper()
	got, err := f.Get(context.Background(), []int64{id}, s.load)
	if err != nil {
		t.Fatal(err)
	}
	return got[id]
}

func TestMissFillHit(t *testing.T) {
	srv := redistest.Start(t)
	c, m := openCache(t, testConfig(srv.Addr))
	s := newStore()
	s.set(1, 10)
	f := NewMutable(c, "n", Itoa, Int64)
	if v := get(t, f, s, 1); v != 10 {
		t.Fatalf("first read = %d; want 10", v)
	}
	if v := get(t, f, s, 1); v != 10 {
		t.Fatalf("second read = %d; want 10", v)
	}
	if s.reads.Load() != 1 || m.hits.Load() != 1 || m.misses.Load() != 1 {
		t.Fatalf("store reads %d, hits %d, misses %d; want 1, 1, 1", s.reads.Load(), m.hits.Load(), m.misses.Load())
	}
	if keys := srv.Keys("t:n:*"); len(keys) != 1 || keys[0] != "t:n:1" {
		t.Fatalf("keys = %v; want [t:n:1] (the service's prefix, the family, the id)", keys)
	}
	// An id the store does not have counts zero, and that is cached too.
	if v := get(t, f, s, 2); v != 0 {
		t.Fatalf("absent id = %d; want 0", v)
	}
	get(t, f, s, 2)
	if s.reads.Load() != 2 {
		t.Fatalf("store reads %d; want 2 (a zero is cached like any value)", s.reads.Load())
	}
}

// The race the tokens exist for: a reader reads the old value from the store, a write commits and
// invalidates, then the reader tries to fill. The fill must be refused.
func TestFillAfterInvalidationIsRefused(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := openCache(t, testConfig(srv.Addr))
	s := newStore()
	s.set(1, 10)
	f := NewMutable(c, "n", Itoa, Int64)
	gate := make(chan struct{})
	s.gate = gate
	old := make(chan int64)
	go func() {
		got, err := f.Get(context.Background(), []int64{1}, s.load)
		if err != nil {
			t.Error(err)
		}
		old <- got[1]
	}()
	// Wait until the reader has read the store (and holds its token).
	for s.reads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	s.commit(1, 11)                              // the write commits...
	c.Invalidate(context.Background(), f.Key(1)) // ...and invalidates before its acknowledgment
	close(gate)
	if v := <-old; v != 10 {
		t.Fatalf("the reader that began before the write got %d; want the old 10", v)
	}
	if v := get(t, f, s, 1); v != 11 {
		t.Fatalf("a read after the acknowledged write = %d; want 11", v)
	}
}

// A fill later than the fill window is refused, however the tokens stand.
func TestLateFillIsRefused(t *testing.T) {
	srv := redistest.Start(t)
	cfg := testConfig(srv.Addr)
	c, _ := openCache(t, cfg)
	keys := []string{c.Key("n", "1")}
	_, tk, err := c.lookup(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(cfg.FillWindow + 50*time.Millisecond)
	stored, err := c.fill(context.Background(), keys, tk.tokens, [][]byte{Int64.Encode(5)}, tk.startUs)
	if err != nil || stored != 0 {
		t.Fatalf("late fill stored %d (%v); want 0", stored, err)
	}
	_, tk, err = c.lookup(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	stored, err = c.fill(context.Background(), keys, tk.tokens, [][]byte{Int64.Encode(5)}, tk.startUs)
	if err != nil || stored != 1 {
		t.Fatalf("timely fill stored %d (%v); want 1", stored, err)
	}
}

// Readers that miss the same keys at once share one store read.
func TestConcurrentMissesShareOneLoad(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := openCache(t, testConfig(srv.Addr))
	s := newStore()
	s.set(1, 10)
	gate := make(chan struct{})
	s.gate = gate
	f := NewMutable(c, "n", Itoa, Int64)
	var wg sync.WaitGroup
	results := make([]int64, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := f.Get(context.Background(), []int64{1}, s.load)
			if err != nil {
				t.Error(err)
			}
			results[i] = got[1]
		}()
	}
	for s.reads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the others reach the flight (fewer would only read more)
	close(gate)
	wg.Wait()
	for i, v := range results {
		if v != 10 {
			t.Fatalf("reader %d got %d; want 10", i, v)
		}
	}
	if n := s.reads.Load(); n >= int64(len(results)) {
		t.Fatalf("the store was read %d times by %d concurrent readers; want them to share", n, len(results))
	}
}

// Redis flushed: the values are gone, the answers still right, and the cache fills again.
func TestFlushedRedis(t *testing.T) {
	srv := redistest.Start(t)
	c, m := openCache(t, testConfig(srv.Addr))
	s := newStore()
	s.set(1, 10)
	f := NewMutable(c, "n", Itoa, Int64)
	get(t, f, s, 1)
	srv.Flush()
	s.set(1, 12) // a change the cache never heard of: only the flush can make it visible here
	if v := get(t, f, s, 1); v != 12 {
		t.Fatalf("after a flush = %d; want 12", v)
	}
	hits := m.hits.Load()
	get(t, f, s, 1)
	if m.hits.Load() != hits+1 {
		t.Fatal("the cache was not used again after the flush")
	}
}

// Redis stuck (frozen): reads answer from the store; a write that cannot invalidate waits out the
// TTL and fill window before returning; when Redis answers again the cache is used again, and the
// value it held from before the write has expired.
func TestFrozenRedis(t *testing.T) {
	srv := redistest.Start(t)
	cfg := testConfig(srv.Addr)
	c, m := openCache(t, cfg)
	var waited time.Duration
	c.sleep = func(d time.Duration) { waited += d; time.Sleep(d) }
	s := newStore()
	s.set(1, 10)
	f := NewMutable(c, "n", Itoa, Int64)
	get(t, f, s, 1) // cached: 10

	srv.Freeze()
	s.set(1, 11)
	c.Invalidate(context.Background(), f.Key(1))
	if want := cfg.TTL + cfg.FillWindow; waited < want {
		t.Fatalf("the write waited %s; want at least TTL + fill window = %s", waited, want)
	}
	if v := get(t, f, s, 1); v != 11 {
		t.Fatalf("read while Redis is stuck = %d; want 11", v)
	}
	if m.errs.Load() == 0 {
		t.Fatal("no cache error counted while Redis was stuck")
	}
	srv.Thaw()
	time.Sleep(RetryAfter)
	if v := get(t, f, s, 1); v != 11 {
		t.Fatalf("read after Redis came back = %d; want 11 (the old 10 must have expired)", v)
	}
	hits := m.hits.Load()
	if v := get(t, f, s, 1); v != 11 || m.hits.Load() != hits+1 {
		t.Fatalf("read = %d, hits %d -> %d; want 11 from the cache", v, hits, m.hits.Load())
	}
}

// A read that makes several lookups in a row while Redis hangs, in a process that has not yet
// counted enough failures to skip it (an instance that has not called Redis since it hung),
// still answers from MySQL within its time: each Redis call takes at most a share of the time
// the read has left, not redis.timeout each.
func TestLookupsInARowLeaveTheReadItsTime(t *testing.T) {
	srv := redistest.Start(t)
	cfg := testConfig(srv.Addr)
	cfg.Timeout = time.Second
	c, _ := openCache(t, cfg)
	s := newStore()
	s.set(1, 10)
	families := []*Family[int64, int64]{NewMutable(c, "a", Itoa, Int64), NewMutable(c, "b", Itoa, Int64), NewMutable(c, "c", Itoa, Int64)}
	srv.Freeze()
	t.Cleanup(srv.Thaw)
	// The read's time: less than tripAfter-1 calls of redis.timeout, which would leave none.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	load := func(ctx context.Context, ids []int64) (map[int64]int64, error) {
		if err := ctx.Err(); err != nil {
			return nil, err // MySQL under the request's context: nothing is read after its end
		}
		return s.load(ctx, ids)
	}
	for _, f := range families {
		got, err := f.Get(ctx, []int64{1}, load)
		if err != nil || got[1] != 10 {
			t.Fatalf("lookup %s while Redis hangs: %v, %v; want 10 from the loader", f.Key(1), got, err)
		}
	}
	if c.failures.Load() == 0 {
		t.Fatal("no Redis call failed: Redis was not hanging")
	}
}

// Redis stopped and restarted with its saved data: the values saved before a write that could
// not invalidate them come back expired.
func TestRestartedRedisWithOldData(t *testing.T) {
	srv := redistest.Start(t)
	cfg := testConfig(srv.Addr)
	cfg.TTL = 2 * time.Second // long enough to be saved and restored alive if nothing else held it
	c, _ := openCache(t, cfg)
	s := newStore()
	s.set(1, 10)
	f := NewMutable(c, "n", Itoa, Int64)
	get(t, f, s, 1)
	srv.Stop()
	s.set(1, 11)
	c.Invalidate(context.Background(), f.Key(1)) // refused: waits TTL + fill window
	srv.Restart()
	time.Sleep(RetryAfter)
	if v := get(t, f, s, 1); v != 11 {
		t.Fatalf("read after the restart = %d; want 11", v)
	}
}

// Immutable facts: kept in the process after the first read, in Redis for other processes; an id
// not found is not cached.
func TestImmutableFamily(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := openCache(t, testConfig(srv.Addr))
	s := newStore()
	s.set(1, 10)
	f := NewImmutable(c, "row", Itoa, Int64)
	got, err := f.Get(context.Background(), []int64{1, 2}, s.load)
	if err != nil || len(got) != 1 || got[1] != 10 {
		t.Fatalf("Get = %v, %v; want only 1:10", got, err)
	}
	f.Get(context.Background(), []int64{1}, s.load)
	if s.reads.Load() != 1 {
		t.Fatalf("store reads %d; want 1", s.reads.Load())
	}
	if keys := srv.Keys("t:row:*"); len(keys) != 1 {
		t.Fatalf("keys = %v; want only the row found", keys)
	}
	// Another process (a fresh family) finds it in Redis.
	other := NewImmutable(c, "row", Itoa, Int64)
	other.Get(context.Background(), []int64{1}, s.load)
	if s.reads.Load() != 1 {
		t.Fatalf("store reads %d; want 1 (the second process reads Redis)", s.reads.Load())
	}
	s.set(2, 20) // the id appears later
	got, _ = f.Get(context.Background(), []int64{2}, s.load)
	if got[2] != 20 {
		t.Fatalf("an id created after a miss = %v; want 20", got)
	}
}

// Every cache call is a span under the caller's, tagged with its key family and result, never
// with an id or a value.
func TestSpansNameTheFamilyAndTheResult(t *testing.T) {
	srv := redistest.Start(t)
	tracer := mocktracer.New()
	c, err := Open(context.Background(), Options{Service: "t", Config: testConfig(srv.Addr), Tracer: tracer})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := newStore()
	s.set(424242, 777777)
	f := NewMutable(c, "n", Itoa, Int64)
	parent := tracer.StartSpan("rpc")
	ctx := opentracing.ContextWithSpan(context.Background(), parent)
	for range 2 {
		if _, err := f.Get(ctx, []int64{424242}, s.load); err != nil {
			t.Fatal(err)
		}
	}
	c.Invalidate(ctx, f.Key(424242))
	parent.Finish()
	var got []string
	for _, sp := range tracer.FinishedSpans() {
		if sp.OperationName == "rpc" {
			continue
		}
		if sp.ParentID != parent.Context().(mocktracer.MockSpanContext).SpanID {
			t.Errorf("%s is not a child of the caller's span", sp.OperationName)
		}
		tags := sp.Tags()
		if tags["cache.key_pattern"] != "t:n:*" {
			t.Errorf("%s: key_pattern %v; want t:n:*", sp.OperationName, tags["cache.key_pattern"])
		}
		for k, v := range tags {
			if s := fmt.Sprint(v); strings.Contains(s, "424242") || strings.Contains(s, "777777") {
				t.Errorf("%s: tag %s = %v holds an id or a value", sp.OperationName, k, v)
			}
		}
		got = append(got, fmt.Sprint(sp.OperationName, "=", tags["cache.result"]))
	}
	want := []string{"cache:fill=<nil>", "cache:get=miss", "cache:get=hit", "cache:invalidate=deleted"}
	if !slices.Equal(got, want) {
		t.Fatalf("spans %v; want %v", got, want)
	}
}

// A key left in a layout of an earlier version of the cache (a hash, or a value marked "v"
// without the time it was stored) is a miss, replaced by the value read from the store, and never
// an error.
func TestValueInAnEarlierLayoutIsAMiss(t *testing.T) {
	srv := redistest.Start(t)
	for name, write := range map[string]func(key string) error{
		"hash": func(key string) error {
			return srv.Client().HSet(context.Background(), key, "d", "stale", "t", "old").Err()
		},
		"unstamped value": func(key string) error {
			return srv.Client().Set(context.Background(), key, append([]byte{'v'}, Int64.Encode(7)...), 0).Err()
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv.Flush()
			c, m := openCache(t, testConfig(srv.Addr))
			if err := write("t:n:1"); err != nil {
				t.Fatal(err)
			}
			s := newStore()
			s.set(1, 10)
			f := NewMutable(c, "n", Itoa, Int64)
			if v := get(t, f, s, 1); v != 10 {
				t.Fatalf("read over an old layout = %d; want 10", v)
			}
			if v := get(t, f, s, 1); v != 10 || s.reads.Load() != 1 || m.hits.Load() != 1 {
				t.Fatalf("second read = %d after %d store reads, %d hits; want 10 from the cache", v, s.reads.Load(), m.hits.Load())
			}
			raw, err := srv.Client().Get(context.Background(), "t:n:1").Bytes()
			if err != nil || unmarked(raw) == nil {
				t.Fatalf("the key holds %q (%v); want a value in the current layout", raw, err)
			}
		})
	}
}

// A batch reads the keys of several families with one Redis command once they are cached, and
// answers what each family's Get answers; without Redis it answers from the loaders.
func TestBatchReadsFamiliesInOneRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := openCache(t, testConfig(srv.Addr))
	counts, flags := newStore(), newStore()
	for id := int64(1); id <= 3; id++ {
		counts.set(id, 10*id)
		flags.set(id, id%2)
	}
	rows := newStore()
	rows.set(7, 70)
	fc := NewMutable(c, "c", Itoa, Int64)
	ff := NewMutable(c, "f", Itoa, Int64)
	fr := NewImmutable(c, "r", Itoa, Int64)
	run := func() (map[int64]int64, map[int64]int64, map[int64]int64) {
		t.Helper()
		b := c.NewBatch()
		pc := fc.GetIn(b, []int64{1, 2, 3, 4}, counts.load)
		pf := ff.GetIn(b, []int64{2, 3}, flags.load)
		pr := fr.GetIn(b, []int64{7, 8}, rows.load)
		none := fc.GetIn(b, nil, counts.load)
		b.Run(context.Background())
		gc, err1 := pc.Result()
		gf, err2 := pf.Result()
		gr, err3 := pr.Result()
		gn, err4 := none.Result()
		if err := errors.Join(err1, err2, err3, err4); err != nil || len(gn) != 0 {
			t.Fatalf("batch: %v, empty lookup %v", err, gn)
		}
		return gc, gf, gr
	}
	check := func(when string, gc, gf, gr map[int64]int64) {
		t.Helper()
		if len(gc) != 4 || gc[1] != 10 || gc[3] != 30 || gc[4] != 0 || len(gf) != 2 || gf[3] != 1 ||
			len(gr) != 1 || gr[7] != 70 {
			t.Fatalf("%s: counts %v, flags %v, rows %v", when, gc, gf, gr)
		}
	}
	gc, gf, gr := run()
	check("first batch (misses)", gc, gf, gr)
	// Row 7 is now kept in the process; 8 does not exist and is asked again each time.
	idle := srv.Stat("total_commands_processed")
	idle = srv.Stat("total_commands_processed") - idle // what asking costs
	before := srv.Stat("total_commands_processed")
	reads := counts.reads.Load() + flags.reads.Load()
	gc, gf, gr = run()
	check("second batch (hits)", gc, gf, gr)
	if n := srv.Stat("total_commands_processed") - before - idle; n != 1 {
		t.Fatalf("a batch of cached keys took %d Redis commands; want one MGET", n)
	}
	if counts.reads.Load()+flags.reads.Load() != reads {
		t.Fatal("a batch of cached keys read the store")
	}
	srv.Stop()
	gc, gf, gr = run()
	check("without Redis", gc, gf, gr)
}

// Lists reads every missed list with one call of its reader, caches the lists short enough to be
// kept whole and the heads of the longer ones, and reads a longer one again, all of them in one
// more call, each time more than its head is asked; each is cut at the limit asked.
func TestListsReadMissesAndLongListsTogether(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := openCache(t, testConfig(srv.Addr))
	stored := map[int64][]int64{1: {13, 12, 11}, 2: {21}, 3: {36, 35, 34, 33, 32, 31}, 4: {46, 45, 44}}
	type readCall struct {
		ids   []int64
		limit int
	}
	var calls []readCall
	read := func(_ context.Context, ids []int64, limit int) (map[int64][]int64, error) {
		calls = append(calls, readCall{slices.Sorted(slices.Values(ids)), limit})
		out := map[int64][]int64{}
		for _, id := range ids {
			l := stored[id]
			out[id] = l[:min(limit, len(l))]
		}
		return out, nil
	}
	f := NewMutable(c, "l", Itoa, IDLists)
	const keep, limit = 3, 5
	ids := []int64{1, 2, 3, 4, 5} // 3 is longer than keep; 5 has no list
	want := map[int64][]int64{1: {13, 12, 11}, 2: {21}, 3: {36, 35, 34, 33, 32}, 4: {46, 45, 44}, 5: {}}
	for round, wantCalls := range []string{"[{[1 2 3 4 5] 4} {[3] 5}]", "[{[3] 5}]"} {
		calls = nil
		got, err := Lists(context.Background(), f, ids, keep, limit, read)
		if err != nil {
			t.Fatal(err)
		}
		for id, w := range want {
			if !slices.Equal(got[id], w) {
				t.Fatalf("round %d: list of %d = %v; want %v", round, id, got[id], w)
			}
		}
		if fmt.Sprint(calls) != wantCalls {
			t.Fatalf("round %d: reads %v; want %s", round, calls, wantCalls)
		}
	}
	// A long list keeps its head: a read of no more than keep is answered from it.
	calls = nil
	got, err := Lists(context.Background(), f, ids, keep, 2, read)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got[3], []int64{36, 35}) || !slices.Equal(got[1], []int64{13, 12}) || len(calls) != 0 {
		t.Fatalf("lists cut at 2: 3 → %v, 1 → %v, reads %v; want [36 35], [13 12] and no read", got[3], got[1], calls)
	}
}
