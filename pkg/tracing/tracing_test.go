package tracing

import (
	"context"
	"testing"

	"github.com/opentracing/opentracing-go"

	"simpletiktok/pkg/config"
)

// spanCtx starts a root span with a tracer for env and cfg and returns a context holding it.
func spanCtx(t *testing.T, env config.Env, cfg config.Tracing) context.Context {
	t.Helper()
	// Spans would go to a port nothing listens on; none is flushed before the test ends.
	cfg.CollectorURL = "http://127.0.0.1:1/api/traces"
	tracer, closer, err := New("test", env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closer.Close() })
	span := tracer.StartSpan("op")
	t.Cleanup(span.Finish)
	return opentracing.ContextWithSpan(context.Background(), span)
}

func TestDevelopmentTracesEveryRequest(t *testing.T) {
	if id := SampledTraceID(spanCtx(t, config.Development, config.Tracing{})); id == "" {
		t.Fatal("a development trace was not sampled")
	}
}

// A rate that samples (practically) nothing leaves no sampled id: an exemplar would point at a
// trace that Jaeger never received.
func TestUnsampledTraceHasNoSampledID(t *testing.T) {
	ctx := spanCtx(t, config.Production, config.Tracing{SampleRate: 1e-12})
	if id := SampledTraceID(ctx); id != "" {
		t.Fatalf("SampledTraceID = %q for an unsampled trace", id)
	}
}

func TestNoSpanNoID(t *testing.T) {
	if id := SampledTraceID(context.Background()); id != "" {
		t.Fatalf("SampledTraceID = %q without a span", id)
	}
	ctx := spanCtx(t, config.Development, config.Tracing{Disabled: true})
	if id := SampledTraceID(ctx); id != "" {
		t.Fatalf("SampledTraceID = %q with tracing disabled", id)
	}
}
