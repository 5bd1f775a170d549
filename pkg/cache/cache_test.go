package cache

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"simpletiktok/pkg/config"
)

func TestCodecsRoundTrip(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 1 << 40, -(1 << 50)} {
		got, err := Int64.Decode(Int64.Encode(v))
		if err != nil || got != v {
			t.Fatalf("Int64 %d: got %d, %v", v, got, err)
		}
	}
	for _, vs := range [][]int64{{}, {7}, {3, 1 << 33, -2, 0}} {
		got, err := Int64s.Decode(Int64s.Encode(vs))
		if err != nil || !slices.Equal(got, vs) {
			t.Fatalf("Int64s %v: got %v, %v", vs, got, err)
		}
	}
	type pair struct{ A, B int64 }
	p := Fixed(2, func(v pair) []int64 { return []int64{v.A, v.B} }, func(n []int64) pair { return pair{n[0], n[1]} })
	if got, err := p.Decode(p.Encode(pair{5, -6})); err != nil || got != (pair{5, -6}) {
		t.Fatalf("Fixed: got %v, %v", got, err)
	}
	type row struct{ Name string }
	j := JSON[row]()
	if got, err := j.Decode(j.Encode(row{"ü"})); err != nil || got.Name != "ü" {
		t.Fatalf("JSON: got %v, %v", got, err)
	}
}

func TestCodecsRejectOtherShapes(t *testing.T) {
	if _, err := Int64.Decode(Int64s.Encode([]int64{1, 2})); err == nil {
		t.Error("Int64 decoded two numbers")
	}
	if _, err := Int64.Decode(nil); err == nil {
		t.Error("Int64 decoded nothing")
	}
	if _, err := Int64s.Decode([]byte{0x80}); err == nil {
		t.Error("Int64s decoded a truncated varint")
	}
	p := Fixed(2, func(v [2]int64) []int64 { return v[:] }, func(n []int64) [2]int64 { return [2]int64{n[0], n[1]} })
	if _, err := p.Decode(Int64s.Encode([]int64{1, 2, 3})); err == nil {
		t.Error("Fixed(2) decoded three numbers")
	}
}

func TestLocalIsBounded(t *testing.T) {
	l := NewLocal[int, int](10)
	for i := range 100 {
		l.Put(i, i)
		if n := l.Len(); n > 12 { // two generations of max/2+1
			t.Fatalf("after %d puts it holds %d entries", i+1, n)
		}
	}
	if v, ok := l.Get(99); !ok || v != 99 {
		t.Fatalf("the newest entry is gone: %v %v", v, ok)
	}
	if _, ok := l.Get(0); ok {
		t.Fatal("the oldest entry survived 100 puts into 10 places")
	}
	// An entry read keeps its place across a turnover.
	l.Get(95)
	for i := 100; i < 106; i++ {
		l.Put(i, i)
	}
	if _, ok := l.Get(95); !ok {
		t.Fatal("an entry in use was dropped at the next turnover")
	}
	var none *Local[int, int] = NewLocal[int, int](0)
	none.Put(1, 1)
	if _, ok := none.Get(1); ok {
		t.Fatal("a local cache of size 0 kept a value")
	}
}

func TestPatternHidesIDs(t *testing.T) {
	cases := map[string]string{
		"favorite:vc:42":   "favorite:vc:*",
		"relation:fw:7":    "relation:fw:*",
		"message:lm:3:9":   "message:lm:*",
		"video:feed:":      "video:feed:*",
		"no-colon-at-all":  "no-colon-at-all",
		"user:profile:123": "user:profile:*",
	}
	for key, want := range cases {
		if got := patternOf(key); got != want {
			t.Errorf("patternOf(%q) = %q; want %q", key, got, want)
		}
	}
}

func TestValueLayout(t *testing.T) {
	cases := []struct {
		raw       string
		value     string // "-" for none
		renewable bool   // at 1700000000500, 400 ms or older
	}{
		{"w1700000000000-abc", "abc", true},
		{"w1700000000000-", "", true},
		{"w1700000000200-abc", "abc", false},       // too young
		{"w1700000000000+tok:1;abc", "abc", false}, // being renewed
		{"w1700000000000+tok:1;", "", false},
		{"w1700000000000+tok:1", "-", false}, // no end to the token
		{"w1700000000000*abc", "-", false},
		{"w17000000000-abc", "-", false},
		{"w170000000x000-abc", "abc", false}, // not a time
		{"w1699999999999-abc", "abc", true},
		{"tabc", "-", false},
		{"vabc", "-", false}, // an earlier layout
		{"", "-", false},
	}
	for _, c := range cases {
		got := unmarked([]byte(c.raw))
		if (c.value == "-") != (got == nil) || (got != nil && string(got) != c.value) {
			t.Errorf("unmarked(%q) = %q; want %q", c.raw, got, c.value)
		}
		if r := renewable([]byte(c.raw), []byte("1700000000100")); r != c.renewable {
			t.Errorf("renewable(%q) = %v; want %v", c.raw, r, c.renewable)
		}
	}
}

func TestParseLookup(t *testing.T) {
	raw := []any{"1700000000", "000123", "w1700000000000-value", []any{"tok:2"}}
	values, tk, err := parseLookup(raw, 2)
	if err != nil {
		t.Fatal(err)
	}
	if string(values[0]) != "value" || values[1] != nil {
		t.Fatalf("values = %q", values)
	}
	if tk.startUs != 1700000000_000123 || tk.tokens[0] != "" || tk.tokens[1] != "tok:2" {
		t.Fatalf("ticket = %+v", tk)
	}
	for name, bad := range map[string]any{
		"not an array":   "x",
		"short":          []any{"1", "2", "v"},
		"bad time":       []any{"soon", "0", "v", "w"},
		"bad entry":      []any{"1", "0", int64(3), "w"},
		"unmarked value": []any{"1", "0", "tvalue", []any{"a"}},
		"older mark":     []any{"1", "0", "vvalue", []any{"a"}},
		"two tokens":     []any{"1", "0", []any{"a", "b"}, "w"},
		"token not text": []any{"1", "0", []any{int64(1)}, "w"},
	} {
		if _, _, err := parseLookup(bad, 2); !errors.Is(err, errBadReply) {
			t.Errorf("%s: err = %v; want errBadReply", name, err)
		}
	}
}

// A disabled cache (or none) sends every read to the loader and has nothing to invalidate.
func TestDisabledCacheReadsThrough(t *testing.T) {
	disabled, err := Open(context.Background(), Options{Service: "svc", Config: config.Redis{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*Cache{"disabled": disabled, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			calls := 0
			load := func(_ context.Context, ids []int64) (map[int64]int64, error) {
				calls++
				return map[int64]int64{ids[0]: 5}, nil
			}
			counts := NewMutable(c, "n", itoa, Int64)
			got, err := counts.Get(context.Background(), []int64{1, 2, 1}, load)
			if err != nil || len(got) != 2 || got[1] != 5 || got[2] != 0 {
				t.Fatalf("Get = %v, %v; want 1:5 and 2:0 (an id the loader leaves out counts zero)", got, err)
			}
			rows := NewImmutable(c, "r", itoa, Int64)
			got, err = rows.Get(context.Background(), []int64{1, 2}, load)
			if err != nil || len(got) != 1 || got[1] != 5 {
				t.Fatalf("immutable Get = %v, %v; want only 1:5 (an id not found is left out)", got, err)
			}
			c.Invalidate(context.Background(), counts.Key(1))
			if calls != 2 {
				t.Fatalf("loader called %d times; want 2", calls)
			}
		})
	}
	if err := disabled.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestLoaderErrorsPassThrough(t *testing.T) {
	boom := errors.New("mysql is away")
	counts := NewMutable[int64, int64](nil, "n", itoa, Int64)
	_, err := counts.Get(context.Background(), []int64{1}, func(context.Context, []int64) (map[int64]int64, error) {
		return nil, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v; want the loader's", err)
	}
}

func TestOpenRefusesBadConfig(t *testing.T) {
	if _, err := Open(context.Background(), Options{Config: config.Redis{Disabled: true}}); err == nil {
		t.Error("Open without a service name succeeded")
	}
	if _, err := Open(context.Background(), Options{Service: "s", Config: config.Redis{Addr: "nowhere"}}); err == nil {
		t.Error("Open with a bad address succeeded")
	}
}

func itoa(id int64) string { return Itoa(id) }

func TestIDLists(t *testing.T) {
	for _, l := range []IDList{ListOf([]int64{3, 1, 2}, 5), ListOf(nil, 5), ListOf([]int64{1, 2, 3}, 2), {}} {
		got, err := IDLists.Decode(IDLists.Encode(l))
		if err != nil || got.Whole != l.Whole || !slices.Equal(got.IDs, l.IDs) && len(l.IDs)+len(got.IDs) > 0 {
			t.Fatalf("%+v came back as %+v, %v", l, got, err)
		}
	}
	head := ListOf([]int64{1, 2, 3}, 2)
	if head.Whole || !slices.Equal(head.IDs, []int64{1, 2}) {
		t.Fatalf("a list longer than the bound is cached as %+v; want its head [1 2], not whole", head)
	}
	if _, err := IDLists.Decode(Int64s.Encode([]int64{2})); err == nil {
		t.Fatal("an unknown flag decoded")
	}
	if _, err := IDLists.Decode(nil); err == nil {
		t.Fatal("an empty value decoded")
	}
	whole := ListOf([]int64{1, 2, 3}, 5)
	for _, c := range []struct {
		l     IDList
		limit int
		want  []int64
		ok    bool
	}{
		{whole, 2, []int64{1, 2}, true},
		{whole, 10, []int64{1, 2, 3}, true},
		{whole, -1, []int64{1, 2, 3}, true},
		{head, 2, []int64{1, 2}, true},
		{head, 1, []int64{1}, true},
		{head, 3, nil, false},  // the third is not cached
		{head, -1, nil, false}, // all of a long list
		{IDList{}, 1, nil, false},
	} {
		got, ok := c.l.First(c.limit)
		if ok != c.ok || !slices.Equal(got, c.want) {
			t.Errorf("%+v.First(%d) = %v, %v; want %v, %v", c.l, c.limit, got, ok, c.want, c.ok)
		}
	}
	in := ListOf([]int64{7, 8, 9}, 10).Contains([]int64{8, 10})
	if !in[8] || in[10] || len(in) != 1 {
		t.Fatalf("Contains = %v; want only 8", in)
	}
}

// One failed call does not turn the cache off (a busy machine answers late now and then);
// tripAfter in a row do, for RetryAfter; a call that works resets the count.
func TestSkipsRedisAfterFailuresInARow(t *testing.T) {
	c, err := Open(context.Background(), Options{Service: "s", Config: config.Redis{Addr: "127.0.0.1:1", Timeout: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	c.succeeded() // forget the failed ping of Open
	c.downUntil.Store(0)
	boom := errors.New("i/o timeout")
	for range tripAfter - 1 {
		c.failed(boom)
	}
	if !c.usable() {
		t.Fatalf("skipped after %d failures; want %d in a row first", tripAfter-1, tripAfter)
	}
	c.succeeded()
	for range tripAfter - 1 {
		c.failed(boom)
	}
	if !c.usable() {
		t.Fatal("a success did not reset the count")
	}
	c.failed(boom)
	if c.usable() {
		t.Fatalf("still used after %d failures in a row", tripAfter)
	}
	now = now.Add(RetryAfter)
	if !c.usable() {
		t.Fatal("not tried again after RetryAfter")
	}
}

func TestLocalGetManySplitsKeptFromMissing(t *testing.T) {
	l := NewLocal[int, string](10)
	l.Put(1, "one")
	l.Put(3, "three")
	kept, missing := l.GetMany([]int{3, 2, 1, 4})
	if len(kept) != 2 || kept[1] != "one" || kept[3] != "three" || len(missing) != 2 || missing[0] != 2 || missing[1] != 4 {
		t.Fatalf("GetMany = %v, %v; want 1 and 3 kept, 2 then 4 missing", kept, missing)
	}
	// Entries GetMany finds in the old generation keep their place across the next turnover, as
	// with Get: 1 and 3 are in the old one after six more puts, 1 is read, six more puts drop 3.
	for i := 10; i < 16; i++ {
		l.Put(i, "")
	}
	if kept, _ := l.GetMany([]int{1}); kept[1] != "one" {
		t.Fatalf("GetMany lost 1 at the first turnover: %v", kept)
	}
	for i := 20; i < 26; i++ {
		l.Put(i, "")
	}
	if kept, missing := l.GetMany([]int{1, 3}); kept[1] != "one" || len(missing) != 1 || missing[0] != 3 {
		t.Fatalf("after a second turnover GetMany = %v, %v; want 1 kept (it was read), 3 dropped", kept, missing)
	}
	var none *Local[int, string]
	if kept, missing := none.GetMany([]int{5}); len(kept) != 0 || len(missing) != 1 {
		t.Fatalf("GetMany on nothing kept = %v, %v; want 5 missing", kept, missing)
	}
}
