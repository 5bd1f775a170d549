// Package degrade keeps a page up when a service that only decorates it is down or slow. A page
// needs its rows (videos, profiles); counts, flags and latest messages are decoration. When a
// decorating call fails, the page is answered with what is known, those counts and flags at zero
// (the gateway keeps no copy of counts or flags to show instead: docs/architecture.md), and the
// gateway says so once per request: a warning in the log, tags on the request's span and a count
// in the metrics (Middleware).
package degrade

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
)

// Report collects the decorations a request went without. It is safe for the parallel calls of
// one page.
type Report struct {
	mu    sync.Mutex
	calls map[string]error // call name -> its first error
}

type reportKey struct{}

// Start returns ctx carrying a fresh report.
func Start(ctx context.Context) (context.Context, *Report) {
	r := &Report{calls: map[string]error{}}
	return context.WithValue(ctx, reportKey{}, r), r
}

// From returns the report of ctx, or nil outside a request that started one.
func From(ctx context.Context) *Report {
	r, _ := ctx.Value(reportKey{}).(*Report)
	return r
}

func (r *Report) add(call string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, seen := r.calls[call]; !seen {
		r.calls[call] = err
	}
}

// Parts returns the names of the calls that failed ("comment.CountComments,favorite.Stats"),
// sorted, and their errors in the same order; empty when the page is whole.
func (r *Report) Parts() (string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.calls))
	for name := range r.calls {
		names = append(names, name)
	}
	slices.Sort(names)
	errs := make([]string, 0, len(names))
	for _, name := range names {
		errs = append(errs, name+": "+r.calls[name].Error())
	}
	return strings.Join(names, ","), errs
}

// Note records that a page was kept without what call (a decorating read) would have brought:
// in the request's report, or, outside a request with a report, in a log line of its own, so that
// no degradation goes unsaid.
func Note(ctx context.Context, log *slog.Logger, call string, err error) {
	if r := From(ctx); r != nil {
		r.add(call, err)
		return
	}
	log.WarnContext(ctx, "decoration left out", "call", call, "error", err)
}

// Counter counts degraded pages by page (a route template, never an id). pkg/metrics' Business
// satisfies it.
type Counter interface {
	Degraded(page string)
}
