package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

var tableHeader = []string{"endpoint", "load", "ok-req/s", "non-ok", "p50", "p99", "vs ceiling"}

// ceilingRate is the best ok-req/s of the ceiling at any load: the most an endpoint could reach on
// this machine with this generator. Every row is compared with it, the rows of every load alike,
// so that a load at which the bare handler itself does worse does not flatter the endpoints.
func ceilingRate(rows []result) float64 {
	best := 0.0
	for _, r := range rows {
		if r.Ceiling {
			best = max(best, r.okRate())
		}
	}
	return best
}

// cells renders one row; ceiling comes from ceilingRate.
func cells(r result, ceiling float64) []string {
	nonOK := groupThousands(int64(r.NonOK))
	if r.Open {
		nonOK += fmt.Sprintf(" (%s late)", groupThousands(int64(r.Late)))
	}
	vs := "-"
	if pct, ok := ratio(r.okRate(), ceiling); ok && !r.Open {
		vs = formatPercent(pct)
	}
	return []string{r.Endpoint, r.Load, groupThousands(int64(r.okRate() + 0.5)), nonOK,
		formatLatency(r.P50), formatLatency(r.P99), vs}
}

// writeTable prints the rows as one Markdown table with aligned columns, ready to paste into
// docs/performance.md.
func writeTable(w io.Writer, rows []result) error {
	ceiling := ceilingRate(rows)
	table := [][]string{tableHeader}
	for _, r := range rows {
		table = append(table, cells(r, ceiling))
	}
	return writeAligned(w, table)
}

// writeAligned prints table (its first row the header) as Markdown with aligned columns, the
// first two columns as text, the others as numbers, aligned right.
func writeAligned(w io.Writer, table [][]string) error {
	widths := make([]int, len(table[0]))
	for _, row := range table {
		for i, c := range row {
			widths[i] = max(widths[i], len(c))
		}
	}
	var b strings.Builder
	line := func(row []string) {
		b.WriteString("|")
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-len(c))
			if i >= 2 { // numbers align right
				b.WriteString(" " + pad + c + " |")
			} else {
				b.WriteString(" " + c + pad + " |")
			}
		}
		b.WriteString("\n")
	}
	line(table[0])
	b.WriteString("|")
	for i, wd := range widths {
		if i >= 2 {
			b.WriteString(strings.Repeat("-", wd+1) + ":|")
		} else {
			b.WriteString(strings.Repeat("-", wd+2) + "|")
		}
	}
	b.WriteString("\n")
	for _, row := range table[1:] {
		line(row)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeReasons lists why answers were not ok, per row that had any, most frequent reason first.
func writeReasons(w io.Writer, rows []result) {
	for _, r := range rows {
		if len(r.Reasons) == 0 {
			continue
		}
		type count struct {
			reason string
			n      int
		}
		var counts []count
		for k, v := range r.Reasons {
			counts = append(counts, count{k, v})
		}
		sort.Slice(counts, func(i, j int) bool {
			if counts[i].n != counts[j].n {
				return counts[i].n > counts[j].n
			}
			return counts[i].reason < counts[j].reason
		})
		parts := make([]string, len(counts))
		for i, c := range counts {
			parts[i] = fmt.Sprintf("%s × %s", c.reason, groupThousands(int64(c.n)))
		}
		fmt.Fprintf(w, "  non-ok, %s at %s: %s\n", r.Endpoint, r.Load, strings.Join(parts, "; "))
	}
}

// formatLatency prints a latency in milliseconds with about three significant digits.
func formatLatency(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return groupThousands(int64(ms+0.5)) + " ms"
}

// formatPercent prints a share of the ceiling with two decimals below 10 %, as the targets are
// stated (0.40 %, 5 %).
func formatPercent(pct float64) string {
	if pct < 10 {
		return fmt.Sprintf("%.2f %%", pct)
	}
	return fmt.Sprintf("%.1f %%", pct)
}

// groupThousands writes n with commas between groups of three digits: 99800 -> "99,800".
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}
