package main

import (
	"strings"
	"testing"
	"time"
)

func TestTableComparesWithTheBestCeiling(t *testing.T) {
	rows := []result{
		{Endpoint: nameCeiling, Load: "64 conns", OK: 998000, Elapsed: 10 * time.Second, P50: 500 * time.Microsecond, P99: 2400 * time.Microsecond, Ceiling: true},
		{Endpoint: nameCeiling, Load: "256 conns", OK: 500000, Elapsed: 10 * time.Second, Ceiling: true},
		{Endpoint: "feed, logged in", Load: "64 conns", OK: 4000, NonOK: 32, Elapsed: 10 * time.Second, P50: 150 * time.Millisecond, P99: 1123 * time.Millisecond},
		{Endpoint: "feed, logged in", Load: "256 conns", OK: 4000, Elapsed: 10 * time.Second},
		{Endpoint: "feed, logged in", Load: "open 1,000 req/s", OK: 10000, NonOK: 1, Late: 12, Elapsed: 10 * time.Second, P50: 8 * time.Millisecond, P99: 45 * time.Millisecond, Open: true},
	}
	var b strings.Builder
	if err := writeTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	want := `| endpoint                                  | load             | ok-req/s |      non-ok |     p50 |      p99 | vs ceiling |
|-------------------------------------------|------------------|---------:|------------:|--------:|---------:|-----------:|
| ceiling: bare Hertz, canned 30-video feed | 64 conns         |   99,800 |           0 | 0.50 ms |  2.40 ms |    100.0 % |
| ceiling: bare Hertz, canned 30-video feed | 256 conns        |   50,000 |           0 | 0.00 ms |  0.00 ms |     50.1 % |
| feed, logged in                           | 64 conns         |      400 |          32 |  150 ms | 1,123 ms |     0.40 % |
| feed, logged in                           | 256 conns        |      400 |           0 | 0.00 ms |  0.00 ms |     0.40 % |
| feed, logged in                           | open 1,000 req/s |    1,000 | 1 (12 late) | 8.00 ms |  45.0 ms |          - |
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestTableWithoutCeilingShowsNoRatio(t *testing.T) {
	row := result{Endpoint: "user info", Load: "64 conns", OK: 100, Elapsed: time.Second}
	if got := cells(row, ceilingRate([]result{row}))[6]; got != "-" {
		t.Errorf("ratio without a ceiling = %q, want -", got)
	}
}

func TestReasonsListMostFrequentFirst(t *testing.T) {
	var b strings.Builder
	writeReasons(&b, []result{
		{Endpoint: "user info", Load: "64 conns"},
		{Endpoint: "chat poll", Load: "256 conns", Reasons: map[string]int{"status_code 10001": 3, "HTTP 502": 1198, "transport: timeout": 3}},
	})
	want := "  non-ok, chat poll at 256 conns: HTTP 502 × 1,198; status_code 10001 × 3; transport: timeout × 3\n"
	if b.String() != want {
		t.Errorf("reasons = %q, want %q", b.String(), want)
	}
}

func TestNumberFormats(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 99800: "99,800", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := groupThousands(n); got != want {
			t.Errorf("groupThousands(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{
		420 * time.Microsecond:  "0.42 ms",
		2400 * time.Microsecond: "2.40 ms",
		56 * time.Millisecond:   "56.0 ms",
		296 * time.Millisecond:  "296 ms",
		1123 * time.Millisecond: "1,123 ms",
	} {
		if got := formatLatency(d); got != want {
			t.Errorf("formatLatency(%v) = %q, want %q", d, got, want)
		}
	}
	for pct, want := range map[float64]string{0.4: "0.40 %", 5: "5.00 %", 12.345: "12.3 %", 100: "100.0 %"} {
		if got := formatPercent(pct); got != want {
			t.Errorf("formatPercent(%v) = %q, want %q", pct, got, want)
		}
	}
}
