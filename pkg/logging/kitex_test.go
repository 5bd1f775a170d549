package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/cloudwego/kitex/pkg/klog"
	"github.com/opentracing/opentracing-go"
	"github.com/uber/jaeger-client-go"
)

// Kitex's own lines become JSON lines of the binary's logger, with the trace id of the call they
// are about; lines below the level given are dropped.
func TestKitexLinesGoThroughTheLogger(t *testing.T) {
	tracer, closer := jaeger.NewTracer("test", jaeger.NewConstSampler(true), jaeger.NewNullReporter())
	defer closer.Close()
	span := tracer.StartSpan("op")
	defer span.Finish()
	ctx := opentracing.ContextWithSpan(context.Background(), span)

	var buf bytes.Buffer
	log, err := NewWithWriter(&buf, "svc", "debug")
	if err != nil {
		t.Fatal(err)
	}
	k := Kitex(log, klog.LevelWarn)
	k.Infof("server listen at %s", "addr")
	k.Debug("chatter")
	k.CtxErrorf(ctx, "KITEX: panic happened, error=%v", "boom")
	k.Warn("two ", "parts")

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("wrote %d lines; want the error and the warning only:\n%s", len(lines), buf.String())
	}
	var failed, warned map[string]any
	if err := json.Unmarshal(lines[0], &failed); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(lines[1], &warned); err != nil {
		t.Fatal(err)
	}
	traceID := span.Context().(jaeger.SpanContext).TraceID().String()
	if failed["level"] != "ERROR" || failed["msg"] != "KITEX: panic happened, error=boom" || failed["trace_id"] != traceID {
		t.Fatalf("error line = %v; want level ERROR, the formatted message and trace_id %s", failed, traceID)
	}
	if warned["level"] != "WARN" || warned["msg"] != "two parts" {
		t.Fatalf("warning line = %v", warned)
	}
}
