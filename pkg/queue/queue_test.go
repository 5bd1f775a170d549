package queue

import (
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/opentracing/opentracing-go/mocktracer"
)

// The trace context written into a message's headers is read back as the same span's context.
func TestTraceTravelsInHeaders(t *testing.T) {
	tracer := mocktracer.New()
	span := tracer.StartSpan("publish")
	msg := nats.NewMsg("video.uploaded")
	if err := InjectTrace(span, msg.Header); err != nil {
		t.Fatal(err)
	}
	if len(msg.Header) == 0 {
		t.Fatal("nothing was written into the headers")
	}
	got, err := ExtractTrace(tracer, msg.Header)
	if err != nil {
		t.Fatal(err)
	}
	want := span.Context().(mocktracer.MockSpanContext)
	if sc := got.(mocktracer.MockSpanContext); sc.TraceID != want.TraceID || sc.SpanID != want.SpanID {
		t.Fatalf("extracted %+v; want %+v", sc, want)
	}
	if _, err := ExtractTrace(tracer, nats.Header{}); err == nil {
		t.Fatal("a message without a trace gave a span context")
	}
}
