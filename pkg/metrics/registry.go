// Package metrics is every process's Prometheus instrumentation: one private registry per process
// (no default-registry globals), the admin HTTP server that exposes it (/metrics, /healthz,
// /readyz), and the typed metric sets the process registers on it: HTTP, RPC client and server,
// database pool and statements, business events, cache and queue. Every label is bounded: a route
// template, a method, an outcome or a code, never an id; an unexpected flood of values collapses
// into "other" (see guard).
package metrics

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Namespace prefixes the project's own metric names.
const Namespace = "tiktok"

// Latency buckets, in seconds. Calls on loopback take a millisecond; the top buckets catch the
// timeouts (client.rpc_timeout defaults to 3 s).
var (
	requestBuckets   = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	statementBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}
)

// NewRegistry returns a process's registry with the Go runtime, process and build-info collectors
// already on it. Every other metric set of this package is registered on it by its constructor.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister( // cannot fail: a fresh registry and three collectors with distinct names
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)
	return reg
}

// register registers every collector, reporting all failures (a duplicate name is a wiring
// mistake that must stop the start, not a panic).
func register(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	var errs []error
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// otherValue replaces label values past a guard's limit.
const otherValue = "other"

// guard bounds the values one label may take. The values a process really uses (routes, methods,
// codes) are a few dozen; the first max distinct ones pass, anything after is "other", so that a
// bug or a hostile peer sending made-up method names cannot grow the series without end.
type guard struct {
	mu   sync.Mutex
	seen map[string]struct{}
	max  int
}

func newGuard(max int) *guard { return &guard{seen: map[string]struct{}{}, max: max} }

func (g *guard) value(v string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.seen[v]; ok {
		return v
	}
	if len(g.seen) >= g.max {
		return otherValue
	}
	g.seen[v] = struct{}{}
	return v
}
