// Package logging sets up the one structured logger every binary uses: JSON lines on stdout, each
// stamped with the binary's name and, when the context carries a span, its trace id.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/opentracing/opentracing-go"
	"github.com/uber/jaeger-client-go"
)

// New returns a logger for the named binary at the given level (debug, info, warn, error; empty = info).
func New(service, level string) (*slog.Logger, error) {
	return NewWithWriter(os.Stdout, service, level)
}

// NewWithWriter is New writing to w.
func NewWithWriter(w io.Writer, service, level string) (*slog.Logger, error) {
	var lvl slog.Level
	switch strings.ToLower(level) {
	case "", "info":
		lvl = slog.LevelInfo
	case "debug":
		lvl = slog.LevelDebug
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		return nil, fmt.Errorf("log level %q is not one of debug, info, warn, error", level)
	}
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl})
	return slog.New(traceHandler{h}).With("service", service), nil
}

// TraceID returns the trace id of the span in ctx, or "" when there is none.
func TraceID(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	span := opentracing.SpanFromContext(ctx)
	if span == nil {
		return ""
	}
	if sc, ok := span.Context().(jaeger.SpanContext); ok {
		return sc.TraceID().String()
	}
	return ""
}

// traceHandler adds trace_id to every record logged with a context that carries a span.
type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := TraceID(ctx); id != "" {
		r.AddAttrs(slog.String("trace_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(attrs)}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.Handler.WithGroup(name)}
}
