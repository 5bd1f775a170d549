package metrics

import "github.com/prometheus/client_golang/prometheus"

// Merged observes merged calls (pkg/coalesce): how many queries each call carried, by method. In
// the gateway they are the reads of pages (api-gateway/internal/merge); in the favorite service,
// the likes and unlikes of one group commit ("favorite.likes"). A mean near 1 under load means
// nothing is shared; the call count itself is in the RPC client metrics. Its methods are safe on
// a nil *Merged.
type Merged struct {
	queries *prometheus.HistogramVec // method
	methods *guard
}

// NewMerged registers the histogram on reg.
func NewMerged(reg prometheus.Registerer) (*Merged, error) {
	m := &Merged{
		queries: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace,
			Name:      "merged_call_queries",
			Help:      "Queries carried by each merged call, by method: the gateway's merged reads, a service's group commits.",
			Buckets:   []float64{1, 2, 4, 8, 16, 32, 64},
		}, []string{"method"}),
		methods: newGuard(50),
	}
	if err := register(reg, m.queries); err != nil {
		return nil, err
	}
	return m, nil
}

// Call records a merged call of method ("favorite.Stats") that carried queries queries.
func (m *Merged) Call(method string, queries int) {
	if m != nil {
		m.queries.WithLabelValues(m.methods.value(method)).Observe(float64(queries))
	}
}
