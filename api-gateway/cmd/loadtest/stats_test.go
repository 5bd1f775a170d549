package main

import (
	"fmt"
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentileNearestRank(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1)
	}
	cases := []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{hundred, 50, ms(50)},
		{hundred, 99, ms(99)},
		{hundred, 100, ms(100)},
		{hundred, 0.5, ms(1)},
		{[]time.Duration{ms(7)}, 99, ms(7)},
		{[]time.Duration{ms(1), ms(2), ms(3)}, 50, ms(2)},
		// 99 % of 10 values is 9.9: the 10th value is the smallest that 99 % do not exceed.
		{hundred[:10], 99, ms(10)},
		{nil, 99, 0},
	}
	for _, c := range cases {
		if got := percentile(c.sorted, c.p); got != c.want {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(c.sorted), c.p, got, c.want)
		}
	}
}

func TestMergeJoinsWorkers(t *testing.T) {
	a, b := newRecorder(0), newRecorder(0)
	for i := 1; i <= 50; i++ {
		a.record(ms(i), true, "")
	}
	for i := 51; i <= 99; i++ {
		b.record(ms(i), true, "")
	}
	b.record(ms(100), false, "HTTP 502")
	a.record(ms(1), false, "HTTP 502")
	b.late = 3
	res := merge("feed", "64 conns", 2*time.Second, []*recorder{a, b})
	if res.OK != 99 || res.NonOK != 2 || res.Late != 3 {
		t.Errorf("ok %d, non-ok %d, late %d; want 99, 2, 3", res.OK, res.NonOK, res.Late)
	}
	if res.Reasons["HTTP 502"] != 2 {
		t.Errorf("reasons = %v, want HTTP 502 twice", res.Reasons)
	}
	// 101 latencies (1 ms twice): the 51st is 50 ms, the 100th is 99 ms.
	if res.P50 != ms(50) || res.P99 != ms(99) {
		t.Errorf("p50 %v, p99 %v; want 50ms, 99ms", res.P50, res.P99)
	}
	if got := res.okRate(); got != 49.5 {
		t.Errorf("okRate = %v, want 49.5 (99 ok in 2 s)", got)
	}
}

func TestRecorderBoundsReasons(t *testing.T) {
	r := newRecorder(0)
	for i := range maxReasons + 5 {
		r.record(ms(1), false, fmt.Sprintf("status_code %d", i))
	}
	if len(r.reasons) != maxReasons+1 || r.reasons["other"] != 5 {
		t.Errorf("%d reasons, %d other; want %d kinds with 5 other", len(r.reasons), r.reasons["other"], maxReasons+1)
	}
	r.record(ms(1), false, "status_code 0") // already known: counted under its own name
	if r.reasons["status_code 0"] != 2 {
		t.Errorf("a known reason was not counted under its name: %v", r.reasons)
	}
}

func TestRatio(t *testing.T) {
	if pct, ok := ratio(400, 99800); !ok || fmt.Sprintf("%.2f", pct) != "0.40" {
		t.Errorf("ratio(400, 99800) = %v, %v; want 0.40 %%", pct, ok)
	}
	if pct, ok := ratio(5000, 100000); !ok || pct != 5 {
		t.Errorf("ratio(5000, 100000) = %v, %v; want 5", pct, ok)
	}
	if _, ok := ratio(400, 0); ok {
		t.Error("a ratio against no ceiling must be unknown")
	}
	if got := (result{OK: 10}).okRate(); got != 0 {
		t.Errorf("okRate with no elapsed time = %v, want 0", got)
	}
}
