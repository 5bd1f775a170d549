// Package queue is the NATS JetStream plumbing of the processes that publish or consume jobs: a
// connection that survives the server's absence, and the trace context carried in a message's
// headers so that a job's processing joins the trace of the request that caused it.
package queue

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/opentracing/opentracing-go"

	"simpletiktok/pkg/config"
)

// reconnectWait is the pause between two attempts to reach a server that is away.
const reconnectWait = time.Second

// Connect returns a connection to the servers cfg names, for the process name (shown by the
// server's monitoring). It does not fail when no server answers: it keeps trying in the
// background, forever, and logs each loss and return, so that a process starts and serves
// whether or not the queue is up; a publish made meanwhile fails and is retried by its caller.
func Connect(cfg config.NATS, name string, log *slog.Logger) (*nats.Conn, error) {
	if cfg.URL == "" {
		return nil, fmt.Errorf("nats.url is empty (set it or TIKTOK_NATS_URL)")
	}
	nc, err := nats.Connect(cfg.URL,
		nats.Name(name),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(reconnectWait),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("queue: lost the connection to NATS; reconnecting", "error", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info("queue: connected to NATS", "server", c.ConnectedUrlRedacted())
		}),
		nats.ConnectHandler(func(c *nats.Conn) {
			log.Info("queue: connected to NATS", "server", c.ConnectedUrlRedacted())
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("queue: nats %s: %w", cfg.Redacted(), err)
	}
	return nc, nil
}

// headerCarrier lets an OpenTracing TextMap propagator read and write NATS message headers.
type headerCarrier nats.Header

func (c headerCarrier) Set(key, val string) { nats.Header(c).Set(key, val) }

func (c headerCarrier) ForeachKey(handler func(key, val string) error) error {
	for k, vals := range c {
		for _, v := range vals {
			if err := handler(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// InjectTrace writes the context of span into the headers h of a message about to be published.
func InjectTrace(span opentracing.Span, h nats.Header) error {
	return span.Tracer().Inject(span.Context(), opentracing.TextMap, headerCarrier(h))
}

// ExtractTrace reads the trace context a message carries; opentracing.ErrSpanContextNotFound
// when it carries none.
func ExtractTrace(tracer opentracing.Tracer, h nats.Header) (opentracing.SpanContext, error) {
	return tracer.Extract(opentracing.TextMap, headerCarrier(h))
}
