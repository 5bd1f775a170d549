// Command loadtest is `make loadtest`: it seeds a running stack through its public HTTP API, drives
// every read endpoint and the like, follow, comment and message writes with closed-loop load,
// drives the logged-in feed with open-loop load at a fixed rate, and prints one table that compares
// each endpoint with a bare Hertz handler serving a canned feed page, measured in the same run.
// It is a benchmark: it reports numbers and fails only when it cannot measure.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(args []string, out, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if o.fillOnly {
		return fillOnly(ctx, o, out)
	}

	if err := waitReady(ctx, o.baseURL+"/douyin/feed/", 5*time.Second); err != nil {
		return fmt.Errorf("no gateway answers at %s (%v): start the stack in another terminal with `TIKTOK_RATE_LIMIT=off make run`, or set BASE_URL", o.baseURL, err)
	}
	writeHeader(out, o)

	if o.scale == "large" {
		return runLarge(ctx, o, out)
	}
	_, scenarios, err := usualScenarios(ctx, o, out)
	if err != nil {
		return err
	}

	// An interrupted run still prints the table of what it measured.
	rows, measureErr := measure(ctx, o, scenarios, out)
	if len(rows) == 0 {
		return measureErr
	}
	if err := writeResults(out, rows); err != nil {
		return err
	}
	writeFootnote(out, o)
	return measureErr
}

// usualScenarios seeds the stack (or loads its seeding) and returns what was seeded with the
// scenarios of every endpoint on it that -only selects.
func usualScenarios(ctx context.Context, o options, out io.Writer) (*seeded, []scenario, error) {
	data, err := seedOrLoad(ctx, o, out)
	if err != nil {
		return nil, nil, err
	}
	all, err := newScenarios(o.baseURL, data, o.variants, 7)
	if err != nil {
		return nil, nil, err
	}
	return data, selectScenarios(all, o.only), nil
}

// writeResults prints the table of rows and the reasons of their non-ok answers.
func writeResults(out io.Writer, rows []result) error {
	fmt.Fprintln(out)
	if err := writeTable(out, rows); err != nil {
		return err
	}
	writeReasons(out, rows)
	return nil
}

// writeFootnote says how to read the table.
func writeFootnote(out io.Writer, o options) {
	fmt.Fprintf(out, "\nok = HTTP 200 with \"status_code\":0. load: closed loop over N keep-alive connections for %s each; "+
		"open loop at a fixed rate for %s, latency counted from each request's scheduled time, late = sent over %s after it. "+
		"vs ceiling = ok-req/s against the ceiling's best ok-req/s.\n", o.duration, o.openDuration, o.lateAfter)
	fmt.Fprintf(out, "load average at the end: %s\n", loadAverage())
}

// seedOrLoad seeds the stack through its API, or loads what an earlier run against the same
// gateway with the same sizes seeded (o.seedFile), and keeps it there for the next run.
func seedOrLoad(ctx context.Context, o options, out io.Writer) (*seeded, error) {
	p := newPlan(o.sizes, 1)
	if o.seedFile != "" {
		d, err := loadSeeded(o.seedFile, o.baseURL, p)
		switch {
		case err == nil:
			fmt.Fprintf(out, "seeded data loaded from %s (%d users, %d videos), not seeded again\n", o.seedFile, len(d.users), len(d.videos))
			return d, nil
		case !errors.Is(err, os.ErrNotExist):
			fmt.Fprintf(out, "seeding again: %v\n", err)
		}
	}
	fmt.Fprintln(out, "seeding through the public API:")
	clip, err := makeClip(ctx)
	if err != nil {
		return nil, err
	}
	runID := strconv.FormatInt(time.Now().Unix(), 36)
	s := &seeder{api: &api{base: o.baseURL, client: newClient(o.seedConns, o.timeout)}, conns: o.seedConns, out: out}
	d, err := s.seed(ctx, p, runID, clip)
	if err != nil {
		return nil, err
	}
	if o.seedFile != "" {
		if err := saveSeeded(o.seedFile, o.baseURL, d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// measure runs the ceiling, then every scenario at every connection count, then the open loop, and
// prints a line as each run ends.
func measure(ctx context.Context, o options, scenarios []scenario, out io.Writer) ([]result, error) {
	runs := (1+len(scenarios))*len(o.conns) + 1
	fmt.Fprintf(out, "measuring: %d runs, about %s\n", runs,
		(time.Duration(runs-1)*(o.duration+o.pause) + o.openDuration).Round(time.Second))
	m := &measurer{o: o, out: out}
	if err := m.ceiling(ctx); err != nil {
		return nil, err
	}
	m.scenarios(ctx, scenarios, "")
	return m.rows, ctx.Err()
}

// measurer runs the benchmark's runs one after the other and keeps their rows.
type measurer struct {
	o    options
	out  io.Writer
	rows []result
}

// report keeps r and prints its line.
func (m *measurer) report(r result) {
	m.rows = append(m.rows, r)
	fmt.Fprintf(m.out, "  %-44s %-12s %9.0f ok-req/s  %6d non-ok  p50 %-9s p99 %s\n",
		r.Endpoint, r.Load, r.okRate(), r.NonOK, formatLatency(r.P50), formatLatency(r.P99))
}

// ceiling measures the bare Hertz server at every connection count.
func (m *measurer) ceiling(ctx context.Context) error {
	c, err := startCeiling(ctx)
	if err != nil {
		return err
	}
	defer c.stop()
	ct, err := newTarget(http.MethodGet, c.url(), ceilingPath, url.Values{})
	if err != nil {
		return err
	}
	for _, n := range m.o.conns {
		r := runClosed(ctx, nameCeiling, []target{ct}, n, m.o.duration, m.o.timeout)
		r.Ceiling = true
		m.report(r)
		rest(ctx, m.o.pause)
	}
	fmt.Fprintf(m.out, "  (the ceiling's page is %d bytes)\n", c.size)
	return nil
}

// scenarios runs every scenario at every connection count, then the open loop of the logged-in
// feed; label, when set, is added to each row's load ("64 conns, large").
func (m *measurer) scenarios(ctx context.Context, scenarios []scenario, label string) {
	labelled := func(r result) result {
		if label != "" {
			r.Load += ", " + label
		}
		return r
	}
	for _, s := range scenarios {
		for _, n := range m.o.conns {
			if ctx.Err() != nil {
				return
			}
			m.report(labelled(runClosed(ctx, s.name, s.targets, n, m.o.duration, m.o.timeout)))
			rest(ctx, m.o.pause)
		}
	}
	if m.o.rate > 0 {
		for _, s := range scenarios {
			if s.name == nameFeedUser && ctx.Err() == nil {
				m.report(labelled(runOpen(ctx, s.name, s.targets, m.o.rate, m.o.openDuration, m.o.openConns, m.o.timeout, m.o.lateAfter)))
			}
		}
	}
}

// rest waits between runs, so that connections the last run left closing do not count in the next.
func rest(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
