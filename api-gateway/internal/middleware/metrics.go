package middleware

import (
	"context"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/pkg/metrics"
	"simpletiktok/pkg/tracing"
)

// Metrics records every request's rate, outcome and duration by route template (never the raw
// path, which holds media keys), method and the business status_code the handler recorded with
// SetBusinessCode. It belongs inside Trace, whose span gives the exemplar its trace id, and
// outside Recover, so that a panic answered as errno.Internal is counted as such.
func Metrics(m *metrics.HTTP) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		if string(c.URI().Path()) == HealthPath {
			c.Next(ctx)
			return
		}
		end := m.Begin()
		defer end()
		start := time.Now()
		c.Next(ctx)
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		a := metrics.Answer{
			Route:      route,
			Method:     string(c.Method()),
			HTTPStatus: c.Response.StatusCode(),
			Elapsed:    time.Since(start),
			TraceID:    tracing.SampledTraceID(ctx),
		}
		if v, ok := c.Get(businessCodeKey); ok {
			if code, ok := v.(int32); ok {
				a.Code = &code
			}
		}
		m.Observe(a)
	}
}
