package tracing

import (
	"context"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
)

// A child span is made by the parent's tracer, never by the (unset) global one.
func TestStartChildUsesTheParentsTracer(t *testing.T) {
	tracer := mocktracer.New()
	parent := tracer.StartSpan("parent")
	ctx := opentracing.ContextWithSpan(context.Background(), parent)
	child, ctx := StartChild(ctx, "child")
	if opentracing.SpanFromContext(ctx) != child {
		t.Fatal("the context does not hold the child")
	}
	child.Finish()
	parent.Finish()
	spans := tracer.FinishedSpans()
	if len(spans) != 2 || spans[0].OperationName != "child" || spans[0].ParentID != parent.(*mocktracer.MockSpan).SpanContext.SpanID {
		t.Fatalf("finished spans = %v; want child under parent", spans)
	}

	// Without a parent nothing is recorded anywhere.
	orphan, _ := StartChild(context.Background(), "orphan")
	orphan.Finish()
	if len(tracer.FinishedSpans()) != 2 {
		t.Fatal("a span without a parent reached the tracer")
	}
}
