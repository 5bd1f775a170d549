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

// A request that carries its caller's span (Jaeger's header, in any case) gets a server span in
// the caller's trace, whose id the answer names; the access line names the route and the business
// code, with the service and the trace id, and holds no query string.
func TestTraceContinuesTheCallersTraceAndLogsOneLine(t *testing.T) {
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
		if got.TraceID() != parent.TraceID() || got.ParentID() != parent.SpanID() {
			t.Fatalf("%s: the request's span is %v (parent %v); want a child of %v", header, got, got.ParentID(), parent)
		}
		if span.OperationName() != "HTTP GET /douyin/user/" {
			t.Fatalf("%s: span named %q", header, span.OperationName())
		}
		if id := w.Header().Get(TraceHeader); id != parent.TraceID().String() {
			t.Fatalf("%s: the answer's %s = %q; want %s", header, TraceHeader, id, parent.TraceID())
		}

		var line map[string]any
		if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
			t.Fatalf("%s: the access log is %q, not one JSON line: %v", header, logs.String(), err)
		}
		if line["msg"] != "http" || line["level"] != "INFO" || line["service"] != "api-gateway" ||
			line["trace_id"] != parent.TraceID().String() || line["method"] != "GET" ||
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
