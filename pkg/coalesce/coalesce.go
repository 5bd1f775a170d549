// Package coalesce merges the concurrent calls of one method into one call. The gateway merges
// the reads of the pages it assembles at the same moment (api-gateway/internal/merge): when 64
// feed pages are in flight, the favorite service answers their Stats in a few calls, not 64. A
// service merges its writes into one transaction (services/favorite's likes). A call costs about
// the same whatever it carries (system calls, framing, middleware, a cache round trip, a commit's
// flush to disk), so merging is what lets a request cost less than the sum of its hops.
//
// A query never joins a call already sent: it waits for the next one, which starts after the
// query was made. So a read still sees every write acknowledged before it was asked for, exactly
// as with a call of its own, and a write is never answered by a call that began before it. At low
// load a query finds a free lane and is sent at once, alone; merging happens only while calls are
// in flight.
package coalesce

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/uber/jaeger-client-go"
)

// Limits bound what one merged call carries and how many are in flight at once.
type Limits struct {
	// Lanes is how many calls of the method may be in flight at once; queries made while all
	// lanes are busy wait for the next call of the first lane to finish. At least 1.
	Lanes int
	// MaxQueries is the most queries one call carries. At least 1.
	MaxQueries int
	// MaxWeight, when positive, is the most total weight one call carries (the ids of merged id
	// lists, for a service that takes at most idbatch.Max); a query heavier than it goes alone.
	MaxWeight int
}

// Config is what every batcher of a process shares.
type Config struct {
	Limits
	// Tracer records, in each query's trace, a span of its wait and call with the number of
	// queries merged (nil: none).
	Tracer opentracing.Tracer
	// Observe, when set, hears of every call made: the method and how many queries it carried.
	Observe func(method string, queries int)
}

// Batcher merges concurrent queries of one method into calls of call, which must answer
// answers[i] for queries[i] or fail them all.
type Batcher[Q, A any] struct {
	name     string
	spanName string // "coalesce " + name, made once
	call     func(ctx context.Context, queries []Q) ([]A, error)
	weight   func(Q) int
	limits   Limits
	tracer   opentracing.Tracer
	observe  func(method string, queries int)

	mu       sync.Mutex
	queue    []*waiter[Q, A]
	inFlight int
}

// waiter is one query waiting for its answer.
type waiter[Q, A any] struct {
	ctx    context.Context
	q      Q
	span   opentracing.Span
	answer A
	err    error
	done   chan struct{} // closed once answer or err is set
}

// New returns a batcher named name (the method, for traces and errors) that sends merged queries
// with call. weight may be nil when cfg.MaxWeight is 0.
func New[Q, A any](name string, cfg Config, weight func(Q) int, call func(ctx context.Context, queries []Q) ([]A, error)) *Batcher[Q, A] {
	limits := cfg.Limits
	limits.Lanes, limits.MaxQueries = max(limits.Lanes, 1), max(limits.MaxQueries, 1)
	if weight == nil {
		weight = func(Q) int { return 0 }
	}
	tracer := cfg.Tracer
	if tracer == nil {
		tracer = opentracing.NoopTracer{}
	}
	observe := cfg.Observe
	if observe == nil {
		observe = func(string, int) {}
	}
	return &Batcher[Q, A]{name: name, spanName: "coalesce " + name, call: call, weight: weight, limits: limits, tracer: tracer, observe: observe}
}

// Do answers q, in a call of its own when a lane is free, else in the next call after the one in
// flight, merged with the queries made meanwhile. A caller waiting for a lane returns early with
// ctx's error when ctx ends first; a caller that found a free lane makes the call itself and
// waits for it, which ends by the latest deadline of the call's queries (callContext).
func (b *Batcher[Q, A]) Do(ctx context.Context, q Q) (A, error) {
	answers, errs := b.DoAll(ctx, []Q{q})
	return answers[0], errs[0]
}

// DoAll answers each of qs as Do would, answers[i] or errs[i] for qs[i], with all of them queued
// at once: they travel in the same call (up to MaxQueries a call), where one Do for each, made at
// the same moment, would send the first alone when a lane is free and the others after it. One
// span covers them all.
func (b *Batcher[Q, A]) DoAll(ctx context.Context, qs []Q) (answers []A, errs []error) {
	span, ctx := opentracing.StartSpanFromContextWithTracer(ctx, b.tracer, b.spanName)
	defer span.Finish()
	ws := make([]*waiter[Q, A], len(qs))
	for i, q := range qs {
		ws[i] = &waiter[Q, A]{ctx: ctx, q: q, span: span, done: make(chan struct{})}
	}

	b.mu.Lock()
	b.queue = append(b.queue, ws...)
	if b.inFlight < b.limits.Lanes {
		// A free lane: this caller sends what is queued (its own queries at least) and, once
		// answered, hands the lane on.
		b.inFlight++
		batch := b.take()
		b.mu.Unlock()
		b.send(batch)
		b.handOn()
	} else {
		b.mu.Unlock()
	}
	answers, errs = make([]A, len(qs)), make([]error, len(qs))
	for i, w := range ws {
		select {
		case <-w.done:
			answers[i], errs[i] = w.answer, w.err
		case <-ctx.Done():
			span.SetTag("error", true)
			errs[i] = ctx.Err()
		}
	}
	return answers, errs
}

// take removes from the queue the queries of the next call (called with b.mu held): those whose
// caller still waits, in order, up to the limits.
func (b *Batcher[Q, A]) take() []*waiter[Q, A] {
	var batch []*waiter[Q, A]
	weight, n := 0, 0
	for ; n < len(b.queue) && len(batch) < b.limits.MaxQueries; n++ {
		w := b.queue[n]
		if w.ctx.Err() != nil {
			continue // its caller has gone; nobody reads an answer
		}
		wt := b.weight(w.q)
		if b.limits.MaxWeight > 0 && len(batch) > 0 && weight+wt > b.limits.MaxWeight {
			break
		}
		batch, weight = append(batch, w), weight+wt
	}
	b.queue = b.queue[n:]
	if len(b.queue) == 0 {
		b.queue = nil // let the backing array go
	}
	return batch
}

// handOn gives the lane just freed the queries queued while it was busy, or frees it when there
// are none. The queued calls go in a goroutine of their own, which goes on sending, one call after
// the other, for as long as queries wait: under load one goroutine keeps the lane, and its stack,
// grown once for the call's depth, is not grown again for every call.
func (b *Batcher[Q, A]) handOn() {
	batch := b.next()
	if batch == nil {
		return
	}
	go func() {
		for ; batch != nil; batch = b.next() {
			b.send(batch)
		}
	}()
}

// next takes the queries of the lane's next call, or frees the lane when none wait.
func (b *Batcher[Q, A]) next() []*waiter[Q, A] {
	b.mu.Lock()
	defer b.mu.Unlock()
	batch := b.take()
	if len(batch) == 0 {
		b.inFlight--
		return nil
	}
	return batch
}

// send makes one call for batch and answers each of its queries.
func (b *Batcher[Q, A]) send(batch []*waiter[Q, A]) {
	if len(batch) == 0 {
		return
	}
	queries := make([]Q, len(batch))
	// The call's spans are in the first query's trace; the others' spans name that trace when it
	// is recorded (sampled). Queries asked together (DoAll) share the first one's span.
	callTrace := ""
	if sc, ok := batch[0].span.Context().(jaeger.SpanContext); ok && sc.IsSampled() {
		callTrace = sc.TraceID().String()
	}
	for i, w := range batch {
		queries[i] = w.q
		w.span.SetTag("coalesce.queries", len(batch))
		if w.span != batch[0].span && callTrace != "" {
			w.span.SetTag("coalesce.call_trace_id", callTrace)
		}
	}
	b.observe(b.name, len(batch))
	ctx, cancel := callContext(batch)
	defer cancel()
	answers, err := b.safeCall(ctx, queries)
	if err == nil && len(answers) != len(queries) {
		err = fmt.Errorf("%s: %d answers to %d queries", b.name, len(answers), len(queries))
	}
	for i, w := range batch {
		if err != nil {
			w.err = err
		} else {
			w.answer = answers[i]
		}
		close(w.done)
	}
}

// safeCall is call, with a panic turned into the error of every query of the call.
func (b *Batcher[Q, A]) safeCall(ctx context.Context, queries []Q) (answers []A, err error) {
	defer func() {
		if p := recover(); p != nil {
			answers, err = nil, fmt.Errorf("%s: panic in a merged call: %v", b.name, p)
		}
	}()
	return b.call(ctx, queries)
}

// callContext is the context of a merged call: the first query's (its trace, and the values the
// RPC client reads), never cancelled by that caller alone, with the latest deadline of the
// queries (none if one has none), as the call is of use while any of them waits.
func callContext[Q, A any](batch []*waiter[Q, A]) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(batch[0].ctx)
	var latest time.Time
	for _, w := range batch {
		d, ok := w.ctx.Deadline()
		if !ok {
			return ctx, func() {}
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(ctx, latest)
}

// Waiting is the number of queries waiting for a lane.
func (b *Batcher[Q, A]) Waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

// Busy is the number of calls in flight.
func (b *Batcher[Q, A]) Busy() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.inFlight
}
