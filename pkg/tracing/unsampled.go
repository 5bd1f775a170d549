package tracing

import (
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/log"
	"github.com/uber/jaeger-client-go"
)

// sampledOnly is a Jaeger tracer that makes spans only in sampled traces. A span whose parent is
// in a trace the sampler left out would never be reported, yet Jaeger builds it whole (ids, tags,
// logs, locks): at a production sample rate that is nearly every span, about a tenth of a busy
// gateway's CPU (every RPC makes five spans on each side, every cache call and SQL statement one).
// Such a span is an unsampled one instead, which carries its parent's context on: its children
// are left out the same way, and an RPC it makes passes the decision to the service called.
//
// The decision of a trace is made once, at its root, by New's probabilistic sampler, and a
// decision received from a caller is final (as Jaeger has it): no span joins a trace later.
type sampledOnly struct {
	opentracing.Tracer
}

// StartSpan starts a span of Jaeger's unless every parent it names is in an unsampled trace.
func (t sampledOnly) StartSpan(operationName string, opts ...opentracing.StartSpanOption) opentracing.Span {
	if parent, ok := unsampledParent(opts); ok {
		return &unsampled{tracer: t, ctx: parent}
	}
	return t.Tracer.StartSpan(operationName, opts...)
}

// unsampledParent returns the first parent named in opts when there is one and no parent named is
// in a sampled trace (nor in a debug one, which Jaeger always records).
func unsampledParent(opts []opentracing.StartSpanOption) (jaeger.SpanContext, bool) {
	var (
		first jaeger.SpanContext
		found bool
	)
	for _, opt := range opts {
		ref, ok := opt.(opentracing.SpanReference)
		if !ok {
			continue
		}
		sc, ok := ref.ReferencedContext.(jaeger.SpanContext)
		if !ok || !sc.IsValid() || sc.IsSampled() || sc.IsDebug() {
			return jaeger.SpanContext{}, false
		}
		if !found {
			first, found = sc, true
		}
	}
	return first, found
}

// unsampled is a span of an unsampled trace: it records nothing, and its context is its parent's.
type unsampled struct {
	tracer opentracing.Tracer
	ctx    jaeger.SpanContext
}

func (s *unsampled) Finish()                                     {}
func (s *unsampled) FinishWithOptions(opentracing.FinishOptions) {}
func (s *unsampled) Context() opentracing.SpanContext            { return s.ctx }
func (s *unsampled) SetOperationName(string) opentracing.Span    { return s }
func (s *unsampled) SetTag(string, any) opentracing.Span         { return s }
func (s *unsampled) LogFields(...log.Field)                      {}
func (s *unsampled) LogKV(...any)                                {}
func (s *unsampled) Tracer() opentracing.Tracer                  { return s.tracer }
func (s *unsampled) LogEvent(string)                             {}
func (s *unsampled) LogEventWithPayload(string, any)             {}
func (s *unsampled) Log(opentracing.LogData)                     {}
func (s *unsampled) SetBaggageItem(key, value string) opentracing.Span {
	s.ctx = s.ctx.WithBaggageItem(key, value)
	return s
}

// BaggageItem returns the value of the baggage item key, or "".
func (s *unsampled) BaggageItem(key string) string {
	var value string
	s.ctx.ForeachBaggageItem(func(k, v string) bool {
		if k == key {
			value = v
			return false
		}
		return true
	})
	return value
}
