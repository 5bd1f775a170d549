package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"simpletiktok/pkg/errno"
)

// HTTP holds the request metrics of the gateway: rate, errors and duration by route template
// (never the raw path), method and the business status_code of the answer.
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	routes   *guard
	codes    *guard
}

// NoCode is the status_code label of an answer that carries none (media files, probes).
const NoCode = "none"

// NewHTTP registers the HTTP metrics on reg.
func NewHTTP(reg prometheus.Registerer) (*HTTP, error) {
	h := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by route template, method, business status_code and outcome (ok, biz_error, server_error).",
		}, []string{"route", "method", "status_code", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route template and method; exemplars carry sampled trace ids.",
			Buckets: requestBuckets,
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
		routes: newGuard(100),
		codes:  newGuard(200),
	}
	if err := register(reg, h.requests, h.duration, h.inFlight); err != nil {
		return nil, err
	}
	return h, nil
}

// Begin counts a request in flight; call the returned function when it is answered.
func (h *HTTP) Begin() (end func()) {
	h.inFlight.Inc()
	return h.inFlight.Dec
}

// Answer is what the gateway knows once a request is answered.
type Answer struct {
	Route      string // route template (c.FullPath()), "unmatched" when none matched
	Method     string
	HTTPStatus int
	Code       *int32 // business status_code, nil when the answer carries none
	Elapsed    time.Duration
	TraceID    string // sampled trace id for the exemplar, or ""
}

// Observe records one answered request.
func (h *HTTP) Observe(a Answer) {
	route, method := h.routes.value(a.Route), methodLabel(a.Method)
	code := NoCode
	if a.Code != nil {
		code = h.codes.value(strconv.Itoa(int(*a.Code)))
	}
	h.requests.WithLabelValues(route, method, code, httpOutcome(a.HTTPStatus, a.Code)).Inc()
	observe(h.duration.WithLabelValues(route, method), a.Elapsed.Seconds(), a.TraceID)
}

// httpOutcome: a failure of the system (HTTP 5xx, errno.Internal, errno.ServiceUnavailable) is a
// server_error; any other non-zero code or HTTP 4xx is the caller's (biz_error).
func httpOutcome(status int, code *int32) string {
	switch {
	case status >= 500:
		return OutcomeServerError
	case code != nil && (*code == errno.Internal.Code || *code == errno.ServiceUnavailable.Code):
		return OutcomeServerError
	case code != nil && *code != errno.SuccessCode, status >= 400:
		return OutcomeBizError
	}
	return OutcomeOK
}

// methodLabel keeps the method label to the standard verbs.
func methodLabel(m string) string {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return m
	}
	return otherValue
}
