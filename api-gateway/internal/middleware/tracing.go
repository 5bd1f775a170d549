// Package middleware holds the gateway's cross-cutting HTTP concerns: a server span per request,
// an access log line, panic recovery and token checks.
package middleware

import (
	"context"
	"log/slog"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"

	"simpletiktok/pkg/logging"
)

// HealthPath is the liveness probe's path.
const HealthPath = "/healthz"

// TraceHeader carries the trace id of every answer, so a client or a test can find its trace.
const TraceHeader = "X-Trace-Id"

// Trace starts the server span of each request, puts it in the context every handler and RPC
// client receives, and logs one access line to log. Neither the span nor the log holds the query
// string: tokens travel there.
//
// The span is the root of a new trace, whatever trace headers the request carries: the gateway is
// the edge, and its callers are phones, not trusted. A caller's context would decide the sampling
// (an uber-trace-id with the sampled flag, or a jaeger-debug-id, makes Jaeger record the whole
// trace on every service), so anyone could make the system trace every request. The configured
// sampler alone decides; the answer's X-Trace-Id gives the client the id to correlate with.
func Trace(tracer opentracing.Tracer, log *slog.Logger) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		if string(c.URI().Path()) == HealthPath {
			c.Next(ctx) // polled every second by supervisors: not worth a trace or a log line
			return
		}
		start := time.Now()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		method := string(c.Method())
		// Always a root span: see Trace's comment for why a caller's trace headers are not read.
		span := tracer.StartSpan("HTTP "+method+" "+route, ext.SpanKindRPCServer)
		defer span.Finish()
		ext.HTTPMethod.Set(span, method)
		ext.HTTPUrl.Set(span, string(c.URI().Path()))
		ext.Component.Set(span, "api-gateway")

		ctx = opentracing.ContextWithSpan(ctx, span)
		if id := logging.TraceID(ctx); id != "" {
			c.Header(TraceHeader, id)
		}
		c.Next(ctx)

		status := c.Response.StatusCode()
		ext.HTTPStatusCode.Set(span, uint16(status))
		code, _ := c.Get(businessCodeKey)
		if code != nil {
			span.SetTag("status_code", code)
			if n, ok := code.(int32); ok && n != 0 {
				span.SetTag("business_error", true)
			}
		}
		if log.Enabled(ctx, slog.LevelInfo) {
			// Built by hand, without the caller's program counter slog would look up for every line.
			line := slog.NewRecord(time.Now(), slog.LevelInfo, "http", 0)
			line.AddAttrs(slog.String("method", method), slog.String("path", string(c.URI().Path())),
				slog.String("route", route), slog.Int("http_status", status), slog.Any("status_code", code),
				slog.Int64("elapsed_ms", time.Since(start).Milliseconds()))
			_ = log.Handler().Handle(ctx, line)
		}
	}
}

// businessCodeKey is where handlers leave the status_code they answered with, for the span and log.
const businessCodeKey = "status_code"

// SetBusinessCode records the status_code of the answer.
func SetBusinessCode(c *app.RequestContext, code int32) { c.Set(businessCodeKey, code) }
