package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/uber/jaeger-client-go"
)

func TestTraceIDInEveryLineWithSpan(t *testing.T) {
	tracer, closer := jaeger.NewTracer("test", jaeger.NewConstSampler(true), jaeger.NewNullReporter())
	defer closer.Close()
	span := tracer.StartSpan("op")
	defer span.Finish()
	ctx := opentracing.ContextWithSpan(context.Background(), span)

	var buf bytes.Buffer
	log, err := NewWithWriter(&buf, "svc", "info")
	if err != nil {
		t.Fatal(err)
	}
	log.InfoContext(ctx, "with span", "k", "v")
	log.Info("without span")

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("got %d lines", len(lines))
	}
	var first, second map[string]any
	_ = json.Unmarshal(lines[0], &first)
	_ = json.Unmarshal(lines[1], &second)
	want := span.Context().(jaeger.SpanContext).TraceID().String()
	if first["trace_id"] != want || first["service"] != "svc" {
		t.Fatalf("first line = %v; want trace_id %s and service svc", first, want)
	}
	if _, ok := second["trace_id"]; ok {
		t.Fatalf("a line without a span got a trace id: %v", second)
	}
}

func TestLevels(t *testing.T) {
	var buf bytes.Buffer
	log, err := NewWithWriter(&buf, "svc", "warn")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("shown")
	if bytes.Contains(buf.Bytes(), []byte("hidden")) || !bytes.Contains(buf.Bytes(), []byte("shown")) {
		t.Fatalf("level warn wrote %q", buf.String())
	}
	if _, err := New("svc", "loud"); err == nil {
		t.Fatal("an unknown level was accepted")
	}
}
