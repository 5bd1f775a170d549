package metrics

import "github.com/prometheus/client_golang/prometheus"

// Merged observes the gateway's merged calls (pkg/coalesce, api-gateway/internal/merge): how many pages'
// queries each call carried, by method. A mean near 1 under load means pages are not sharing
// calls; the call count itself is in the RPC client metrics. Its methods are safe on a nil
// *Merged.
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
			Help:      "Pages' queries carried by each merged call of the gateway, by method.",
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
