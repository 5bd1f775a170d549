// Package tracing builds the OpenTracing tracer (jaeger-client-go) each binary hands to its HTTP
// server, RPC client and server, and database.
package tracing

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/uber/jaeger-client-go"
	jaegercfg "github.com/uber/jaeger-client-go/config"

	"simpletiktok/pkg/config"
)

// New returns the tracer for service in mode env and a closer that flushes buffered spans; call
// it at shutdown. It samples cfg.Rate(env) of the traces it starts; a span continuing a caller's
// trace follows the caller's decision, so the gateway's rate is the system's. Spans of the traces
// left out cost next to nothing (sampledOnly).
func New(service string, env config.Env, cfg config.Tracing) (opentracing.Tracer, io.Closer, error) {
	if cfg.Disabled {
		return opentracing.NoopTracer{}, io.NopCloser(nil), nil
	}
	rate := cfg.Rate(env)
	jc := jaegercfg.Configuration{
		ServiceName: service,
		Sampler:     &jaegercfg.SamplerConfig{Type: jaeger.SamplerTypeProbabilistic, Param: rate},
		Reporter: &jaegercfg.ReporterConfig{
			BufferFlushInterval: 500 * time.Millisecond,
			CollectorEndpoint:   cfg.CollectorURL,
			LocalAgentHostPort:  cfg.AgentAddr,
		},
	}
	tracer, closer, err := jc.NewTracer()
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: %w", err)
	}
	return sampledOnly{tracer}, closer, nil
}

// StartChild starts a span named name as a child of the span in ctx, with that span's tracer, and
// returns a context holding it. Without a span in ctx it returns a no-op span: a library function
// traces only within a traced request or job. (opentracing.StartSpanFromContext would use the
// global tracer, which no binary of this project sets, and drop the span.)
func StartChild(ctx context.Context, name string, opts ...opentracing.StartSpanOption) (opentracing.Span, context.Context) {
	parent := opentracing.SpanFromContext(ctx)
	if parent == nil {
		span := opentracing.NoopTracer{}.StartSpan(name)
		return span, opentracing.ContextWithSpan(ctx, span)
	}
	return opentracing.StartSpanFromContextWithTracer(ctx, parent.Tracer(), name, opts...)
}

// SampledTraceID returns the trace id of the span in ctx when that trace is sampled (its spans
// reach Jaeger), and "" otherwise: a link to a trace that was never recorded would lead nowhere.
func SampledTraceID(ctx context.Context) string {
	span := opentracing.SpanFromContext(ctx)
	if span == nil {
		return ""
	}
	if sc, ok := span.Context().(jaeger.SpanContext); ok && sc.IsSampled() {
		return sc.TraceID().String()
	}
	return ""
}
