package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Cache results, the values of the result label of tiktok_cache_requests_total.
const (
	CacheHit   = "hit"
	CacheMiss  = "miss"
	CacheError = "error" // the cache failed; the answer came from the database
)

// Cache counts a service's cache lookups by result, and its renewals. A service registers it when
// it has a cache; the series start at zero.
type Cache struct {
	requests *prometheus.CounterVec
	renewals *prometheus.CounterVec
	service  string
}

// NewCache registers the cache metrics of service on reg.
func NewCache(reg prometheus.Registerer, service string) (*Cache, error) {
	c := &Cache{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "cache", Name: "requests_total",
			Help: "Cache lookups, by owning service and result (hit, miss, error).",
		}, []string{"service", "result"}),
		renewals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "cache", Name: "renewals_total",
			Help: "Cached values read again and stored before their expiry, because they were being read, by owning service.",
		}, []string{"service"}),
		service: service,
	}
	for _, r := range []string{CacheHit, CacheMiss, CacheError} {
		c.requests.WithLabelValues(service, r)
	}
	c.renewals.WithLabelValues(service)
	if err := register(reg, c.requests, c.renewals); err != nil {
		return nil, err
	}
	return c, nil
}

// Hit, Miss and Error count one lookup each.
func (c *Cache) Hit()   { c.requests.WithLabelValues(c.service, CacheHit).Inc() }
func (c *Cache) Miss()  { c.requests.WithLabelValues(c.service, CacheMiss).Inc() }
func (c *Cache) Error() { c.requests.WithLabelValues(c.service, CacheError).Inc() }

// Renewed counts n values renewed.
func (c *Cache) Renewed(n int) { c.renewals.WithLabelValues(c.service).Add(float64(n)) }

// Queue measures one process's work queues, by queue (subject or queue name, a fixed set).
type Queue struct {
	depth       *prometheus.GaugeVec
	processing  *prometheus.HistogramVec
	retries     *prometheus.CounterVec
	deadLetters *prometheus.CounterVec
}

// NewQueue registers the queue metrics on reg.
func NewQueue(reg prometheus.Registerer) (*Queue, error) {
	q := &Queue{
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "queue", Name: "depth",
			Help: "Jobs waiting in a queue (pending, not yet acknowledged).",
		}, []string{"queue"}),
		processing: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "queue", Name: "processing_duration_seconds",
			Help:    "Time to process one job, by queue.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"queue"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "queue", Name: "retries_total",
			Help: "Job deliveries that were attempts after the first, by queue.",
		}, []string{"queue"}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "queue", Name: "dead_letters_total",
			Help: "Jobs given up after their last attempt, by queue.",
		}, []string{"queue"}),
	}
	if err := register(reg, q.depth, q.processing, q.retries, q.deadLetters); err != nil {
		return nil, err
	}
	return q, nil
}

// SetDepth records how many jobs wait in queue.
func (q *Queue) SetDepth(queue string, n int) { q.depth.WithLabelValues(queue).Set(float64(n)) }

// Processed records one job's processing time.
func (q *Queue) Processed(queue string, d time.Duration) {
	q.processing.WithLabelValues(queue).Observe(d.Seconds())
}

// Retried counts a redelivery; DeadLettered a job given up.
func (q *Queue) Retried(queue string)      { q.retries.WithLabelValues(queue).Inc() }
func (q *Queue) DeadLettered(queue string) { q.deadLetters.WithLabelValues(queue).Inc() }
