package tracing

import (
	"bytes"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/uber/jaeger-client-go"
)

// tracerSampling returns a sampledOnly tracer whose sampler decides sample for every trace, and
// the reporter that holds the spans it reports.
func tracerSampling(t *testing.T, sample bool) (opentracing.Tracer, *jaeger.InMemoryReporter) {
	t.Helper()
	reporter := jaeger.NewInMemoryReporter()
	inner, closer := jaeger.NewTracer("test", jaeger.NewConstSampler(sample), reporter)
	t.Cleanup(func() { closer.Close() })
	return sampledOnly{inner}, reporter
}

// In a sampled trace every span is Jaeger's and is reported, down to a service called over RPC.
func TestSampledTracesKeepEverySpan(t *testing.T) {
	tracer, reporter := tracerSampling(t, true)
	root := tracer.StartSpan("root")
	child := tracer.StartSpan("child", opentracing.ChildOf(root.Context()))
	remote := callee(t, tracer, child)
	grandchild := tracer.StartSpan("server", opentracing.ChildOf(remote))
	for _, s := range []opentracing.Span{grandchild, child, root} {
		if _, ok := s.(*jaeger.Span); !ok {
			t.Fatalf("a span of a sampled trace is a %T", s)
		}
		s.Finish()
	}
	if n := reporter.SpansSubmitted(); n != 3 {
		t.Fatalf("%d spans reported; want 3", n)
	}
}

// In a trace the sampler left out, only the root is Jaeger's: its descendants, here and in a
// service called, record nothing, carry the root's trace on, and nothing is reported.
func TestUnsampledTracesMakeNoSpansBelowTheRoot(t *testing.T) {
	tracer, reporter := tracerSampling(t, false)
	root := tracer.StartSpan("root")
	child := tracer.StartSpan("child", opentracing.ChildOf(root.Context()))
	child.SetTag("k", "v").SetOperationName("renamed")
	child.LogKV("event", "x")
	child.SetBaggageItem("tenant", "a")
	if _, ok := child.(*unsampled); !ok {
		t.Fatalf("a child of an unsampled root is a %T; want an unsampled span", child)
	}
	if got := child.BaggageItem("tenant"); got != "a" {
		t.Fatalf("baggage item = %q; want a", got)
	}
	remote := callee(t, tracer, child)
	server := tracer.StartSpan("server", opentracing.ChildOf(remote), opentracing.Tag{Key: "span.kind", Value: "server"})
	if _, ok := server.(*unsampled); !ok {
		t.Fatalf("the called service's span is a %T; want an unsampled span", server)
	}
	rootTrace := root.Context().(jaeger.SpanContext).TraceID()
	if got := server.Context().(jaeger.SpanContext).TraceID(); got != rootTrace {
		t.Fatalf("the called service's trace is %v; want the root's %v", got, rootTrace)
	}
	for _, s := range []opentracing.Span{server, child, root} {
		s.Finish()
	}
	if n := reporter.SpansSubmitted(); n != 0 {
		t.Fatalf("%d spans of an unsampled trace were reported", n)
	}
	// A span with no parent is a new trace, which the sampler decides.
	if s := tracer.StartSpan("new"); s.(*jaeger.Span) == nil {
		t.Fatal("a new trace got no span")
	}
}

// A span that names a sampled parent beside an unsampled one is Jaeger's.
func TestASampledParentMakesASpan(t *testing.T) {
	sampledTracer, _ := tracerSampling(t, true)
	unsampledTracer, _ := tracerSampling(t, false)
	sampled := sampledTracer.StartSpan("a").Context()
	left := unsampledTracer.StartSpan("b").Context()
	s := unsampledTracer.StartSpan("c", opentracing.FollowsFrom(left), opentracing.ChildOf(sampled))
	if _, ok := s.(*jaeger.Span); !ok {
		t.Fatalf("a span with a sampled parent is a %T", s)
	}
}

// callee sends span's context over the wire as the RPC clients do and returns what the called
// service reads of it.
func callee(t *testing.T, tracer opentracing.Tracer, span opentracing.Span) opentracing.SpanContext {
	t.Helper()
	var wire bytes.Buffer
	if err := tracer.Inject(span.Context(), opentracing.Binary, &wire); err != nil {
		t.Fatal(err)
	}
	sc, err := tracer.Extract(opentracing.Binary, &wire)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}
