package middleware

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/common/ut"
	"github.com/cloudwego/hertz/pkg/route"
	"github.com/opentracing/opentracing-go"
	"github.com/uber/jaeger-client-go"

	"simpletiktok/pkg/logging"
)

// Every request gets a server span of its own, the root of a new trace, even when it carries a
// caller's span (Jaeger's header, in any case): the phone is not trusted to join or decide a
// trace. The answer names the new trace; the access line names the route and the business code,
// with the service and the trace id, and holds no query string.
func TestTraceStartsItsOwnTraceAndLogsOneLine(t *testing.T) {
	reporter := jaeger.NewInMemoryReporter()
	tracer, closer := jaeger.NewTracer("gw", jaeger.NewConstSampler(true), reporter)
	defer closer.Close()
	var logs bytes.Buffer
	log, err := logging.NewWithWriter(&logs, "api-gateway", "info")
	if err != nil {
		t.Fatal(err)
	}

	engine := route.NewEngine(config.NewOptions(nil))
	engine.Use(Trace(tracer, log))
	engine.GET("/douyin/user/", func(ctx context.Context, c *app.RequestContext) {
		SetBusinessCode(c, 10002)
		c.String(200, "{}")
	})

	for _, header := range []string{"uber-trace-id", "Uber-Trace-Id", "UBER-TRACE-ID"} {
		reporter.Reset()
		logs.Reset()
		caller := tracer.StartSpan("phone")
		carrier := opentracing.TextMapCarrier{}
		if err := tracer.Inject(caller.Context(), opentracing.TextMap, carrier); err != nil {
			t.Fatal(err)
		}
		parent := caller.Context().(jaeger.SpanContext)

		w := ut.PerformRequest(engine, "GET", "/douyin/user/?token=secret-token&user_id=3", nil,
			ut.Header{Key: header, Value: carrier["uber-trace-id"]})

		spans := reporter.GetSpans()
		if len(spans) != 1 {
			t.Fatalf("%s: %d spans reported; want the request's", header, len(spans))
		}
		span := spans[0].(*jaeger.Span)
		got := span.SpanContext()
		if got.TraceID() == parent.TraceID() || got.ParentID() != 0 {
			t.Fatalf("%s: the request's span is %v (parent %v); want the root of a trace other than the caller's %v",
				header, got, got.ParentID(), parent)
		}
		if span.OperationName() != "HTTP GET /douyin/user/" {
			t.Fatalf("%s: span named %q", header, span.OperationName())
		}
		if id := w.Header().Get(TraceHeader); id != got.TraceID().String() {
			t.Fatalf("%s: the answer's %s = %q; want %s", header, TraceHeader, id, got.TraceID())
		}

		var line map[string]any
		if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
			t.Fatalf("%s: the access log is %q, not one JSON line: %v", header, logs.String(), err)
		}
		if line["msg"] != "http" || line["level"] != "INFO" || line["service"] != "api-gateway" ||
			line["trace_id"] != got.TraceID().String() || line["method"] != "GET" ||
			line["route"] != "/douyin/user/" || line["path"] != "/douyin/user/" ||
			line["status_code"] != float64(10002) || line["http_status"] != float64(200) {
			t.Fatalf("%s: access line %v", header, line)
		}
		if strings.Contains(logs.String(), "secret-token") {
			t.Fatalf("%s: the access line holds the token: %s", header, logs.String())
		}
		caller.Finish()
	}
}

// A client cannot make the system trace its requests: at a sample rate of 0, a request whose
// uber-trace-id says "sampled" (flag 1) or "debug" (flag 2), or that carries a jaeger-debug-id,
// is not sampled, and neither is anything the handler starts under it.
func TestClientCannotForceSampling(t *testing.T) {
	reporter := jaeger.NewInMemoryReporter()
	sampler, err := jaeger.NewProbabilisticSampler(0)
	if err != nil {
		t.Fatal(err)
	}
	tracer, closer := jaeger.NewTracer("gw", sampler, reporter)
	defer closer.Close()
	var seen jaeger.SpanContext
	engine := route.NewEngine(config.NewOptions(nil))
	engine.Use(Trace(tracer, slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))))
	engine.GET("/douyin/feed/", func(ctx context.Context, c *app.RequestContext) {
		seen = opentracing.SpanFromContext(ctx).Context().(jaeger.SpanContext)
		child := tracer.StartSpan("rpc", opentracing.ChildOf(opentracing.SpanFromContext(ctx).Context()))
		child.Finish()
		c.String(200, "{}")
	})

	forced := [][]ut.Header{
		{{Key: "uber-trace-id", Value: "4bf92f3577b34da6:a3ce929d0e0e4736:0:1"}},
		{{Key: "uber-trace-id", Value: "4bf92f3577b34da6:a3ce929d0e0e4736:0:3"}},
		{{Key: "jaeger-debug-id", Value: "force-this-trace"}},
		{{Key: "uber-trace-id", Value: "4bf92f3577b34da6:a3ce929d0e0e4736:0:1"}, {Key: "jaeger-debug-id", Value: "force-this-trace"}},
	}
	for _, headers := range forced {
		reporter.Reset()
		w := ut.PerformRequest(engine, "GET", "/douyin/feed/", nil, headers...)
		if seen.IsSampled() || seen.IsDebug() || seen.TraceID().String() == "4bf92f3577b34da6" {
			t.Fatalf("%v: the request's span %v is sampled %v, debug %v; want a new unsampled trace",
				headers, seen, seen.IsSampled(), seen.IsDebug())
		}
		if n := len(reporter.GetSpans()); n != 0 {
			t.Fatalf("%v: %d spans reported at a sample rate of 0", headers, n)
		}
		if id := w.Header().Get(TraceHeader); id != seen.TraceID().String() {
			t.Fatalf("%v: the answer's %s = %q; want %s", headers, TraceHeader, id, seen.TraceID())
		}
	}
}

// A request without a caller's span starts a trace of its own.
func TestTraceStartsATraceForARequestWithoutOne(t *testing.T) {
	reporter := jaeger.NewInMemoryReporter()
	tracer, closer := jaeger.NewTracer("gw", jaeger.NewConstSampler(true), reporter)
	defer closer.Close()
	engine := route.NewEngine(config.NewOptions(nil))
	engine.Use(Trace(tracer, slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))))
	engine.GET("/douyin/feed/", func(ctx context.Context, c *app.RequestContext) { c.String(200, "{}") })

	w := ut.PerformRequest(engine, "GET", "/douyin/feed/", nil, ut.Header{Key: "X-Other", Value: "1"})
	spans := reporter.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans reported; want the request's", len(spans))
	}
	got := spans[0].(*jaeger.Span).SpanContext()
	if got.ParentID() != 0 || w.Header().Get(TraceHeader) != got.TraceID().String() {
		t.Fatalf("span %v with parent %v, answer's trace id %q; want a root span named in the answer",
			got, got.ParentID(), w.Header().Get(TraceHeader))
	}
}
