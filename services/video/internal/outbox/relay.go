// Package outbox relays the messages the video service writes to its outbox table (in the
// transaction of the row that causes them) to the queue, so that a job exists if and only if its
// row does, whatever crashes in between:
//
//   - a message is marked sent only after the queue acknowledged storing it, so a crash or an
//     outage before that leaves it in the outbox, sent on the next round;
//   - a crash after the acknowledgement and before the mark sends it again: every message carries
//     the id "<subject>-<outbox id>", and JetStream keeps one copy of an id within its duplicate
//     window (mediajob.DuplicateWindow); past it, the consumer's idempotence covers the rest.
//
// Several replicas of the service may each run a relay: they may send the same row, which the
// message id de-duplicates, and never lose one.
package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"

	"simpletiktok/pkg/backoff"
	"simpletiktok/pkg/queue"
)

// Entry is one message of the outbox.
type Entry struct {
	ID        int64
	Subject   string
	Payload   []byte
	Trace     map[string]string // the text map of the span that wrote it, empty when untraced
	CreatedAt time.Time
}

// Store is the outbox table.
type Store interface {
	// Pending returns at most limit unsent messages, oldest first.
	Pending(ctx context.Context, limit int) ([]Entry, error)
	// MarkSent records that the queue has message id.
	MarkSent(ctx context.Context, id int64, at time.Time) error
	// Backlog counts the unsent messages.
	Backlog(ctx context.Context) (int64, error)
	// Prune deletes at most limit messages sent before sentBefore and says how many it deleted.
	Prune(ctx context.Context, sentBefore time.Time, limit int) (int64, error)
}

// Publisher stores one message in the queue under msgID, returning once the queue acknowledged.
type Publisher interface {
	Publish(ctx context.Context, msg *nats.Msg, msgID string) error
}

// Config tunes the relay; DefaultConfig is what the service runs with.
type Config struct {
	Batch          int           // messages read per round
	Poll           time.Duration // pause between rounds when nothing wakes the relay
	PublishTimeout time.Duration // bound of one publish, acknowledgement included
	MinBackoff     time.Duration // first pause after a failed round, doubled per failure...
	MaxBackoff     time.Duration // ...up to this
	KeepSent       time.Duration // how long sent messages stay in the table
	PruneEvery     time.Duration
}

// DefaultConfig relays a new job at once (the publish wakes the relay), polls every second for
// the rows a crash or another replica left, and retries an absent queue from 200 ms to every 10 s.
func DefaultConfig() Config {
	return Config{Batch: 100, Poll: time.Second, PublishTimeout: 5 * time.Second,
		MinBackoff: 200 * time.Millisecond, MaxBackoff: 10 * time.Second,
		KeepSent: 24 * time.Hour, PruneEvery: time.Hour}
}

// pruneBatch bounds one prune statement, so that it never holds locks long.
const pruneBatch = 1000

// Relay sends the outbox to the queue.
type Relay struct {
	store  Store
	pub    Publisher
	tracer opentracing.Tracer
	log    *slog.Logger
	cfg    Config
	now    func() time.Time
	wake   chan struct{}
}

// NewRelay returns a relay of store to pub; Run starts it.
func NewRelay(store Store, pub Publisher, tracer opentracing.Tracer, log *slog.Logger, cfg Config) *Relay {
	return &Relay{store: store, pub: pub, tracer: tracer, log: log, cfg: cfg, now: time.Now,
		wake: make(chan struct{}, 1)}
}

// Notify wakes the relay: a message was just written. It never blocks.
func (r *Relay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default: // a wake-up is already pending; it will see this message too
	}
}

// Run relays until ctx ends. A failed round (the queue or the database away) is retried after a
// pause that doubles up to MaxBackoff; the start and the end of an outage are logged once each,
// with the number of messages waiting.
func (r *Relay) Run(ctx context.Context) {
	retry := r.cfg.retry()
	var outageSince time.Time
	nextPrune := r.now()
	for {
		sent, err := r.flush(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			wait := retry.Next()
			if outageSince.IsZero() {
				outageSince = r.now()
				r.log.WarnContext(ctx, "outbox: cannot relay to the queue; jobs wait in the outbox and are retried",
					"error", err, "backlog", r.backlog(ctx), "retry_in", wait.String())
			}
			if !backoff.Sleep(ctx, wait) {
				return
			}
			continue
		}
		if !outageSince.IsZero() {
			r.log.InfoContext(ctx, "outbox: relaying to the queue again", "outage", r.now().Sub(outageSince).Round(time.Millisecond).String(),
				"sent", sent, "backlog", r.backlog(ctx))
			outageSince = time.Time{}
		}
		retry.Reset()
		if sent == r.cfg.Batch {
			continue // more may be waiting
		}
		if r.now().After(nextPrune) {
			r.prune(ctx)
			nextPrune = r.now().Add(r.cfg.PruneEvery)
		}
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-time.After(r.cfg.Poll):
		}
	}
}

// retry spaces the rounds after a failed one: MinBackoff, doubled per failure up to MaxBackoff.
func (c Config) retry() backoff.Backoff {
	return backoff.Backoff{Min: c.MinBackoff, Max: c.MaxBackoff}
}

// flush sends the pending messages in order, stopping at the first failure (a later message
// must not overtake an earlier one needlessly), and says how many it sent.
func (r *Relay) flush(ctx context.Context) (int, error) {
	entries, err := r.store.Pending(ctx, r.cfg.Batch)
	if err != nil {
		return 0, err
	}
	for i, e := range entries {
		if err := r.send(ctx, e); err != nil {
			return i, err
		}
	}
	return len(entries), nil
}

// send publishes one message in a span that continues the trace of the request that wrote it,
// and marks it sent once the queue acknowledged it.
func (r *Relay) send(ctx context.Context, e Entry) error {
	opts := []opentracing.StartSpanOption{ext.SpanKindProducer}
	if len(e.Trace) > 0 {
		if parent, err := r.tracer.Extract(opentracing.TextMap, opentracing.TextMapCarrier(e.Trace)); err == nil {
			opts = append(opts, opentracing.ChildOf(parent))
		}
	}
	span := r.tracer.StartSpan("queue:publish "+e.Subject, opts...)
	defer span.Finish()
	ext.MessageBusDestination.Set(span, e.Subject)
	span.SetTag("outbox.id", e.ID)
	waited := r.now().Sub(e.CreatedAt)
	span.SetTag("outbox.waited_ms", waited.Milliseconds())

	msg := nats.NewMsg(e.Subject)
	msg.Data = e.Payload
	if err := queue.InjectTrace(span, msg.Header); err != nil {
		r.log.DebugContext(ctx, "outbox: the trace context could not be written into the message", "error", err)
	}
	pctx, cancel := context.WithTimeout(ctx, r.cfg.PublishTimeout)
	defer cancel()
	if err := r.pub.Publish(pctx, msg, MsgID(e)); err != nil {
		ext.LogError(span, err)
		return fmt.Errorf("publish outbox message %d on %s: %w", e.ID, e.Subject, err)
	}
	if err := r.store.MarkSent(ctx, e.ID, r.now()); err != nil {
		ext.LogError(span, err)
		return err
	}
	r.log.DebugContext(opentracing.ContextWithSpan(ctx, span), "outbox: relayed", "outbox_id", e.ID,
		"subject", e.Subject, "waited", waited.Round(time.Millisecond).String())
	return nil
}

// MsgID is the id under which the queue keeps message e: one per outbox row.
func MsgID(e Entry) string { return e.Subject + "-" + strconv.FormatInt(e.ID, 10) }

func (r *Relay) backlog(ctx context.Context) int64 {
	n, err := r.store.Backlog(ctx)
	if err != nil {
		return -1 // the database is away too; the error of the round says so
	}
	return n
}

func (r *Relay) prune(ctx context.Context) {
	n, err := r.store.Prune(ctx, r.now().Add(-r.cfg.KeepSent), pruneBatch)
	switch {
	case err != nil:
		r.log.WarnContext(ctx, "outbox: pruning sent messages failed; retried later", "error", err)
	case n > 0:
		r.log.InfoContext(ctx, "outbox: pruned sent messages", "deleted", n)
	}
}
