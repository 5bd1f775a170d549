package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"

	"simpletiktok/pkg/mediajob"
	"simpletiktok/pkg/queue"
	"simpletiktok/services/media-worker/internal/cover"
)

// delivery is one delivered job being handled.
type delivery struct {
	msg     jetstream.Msg
	job     mediajob.Job
	attempt int
	seq     uint64 // the job's sequence in the stream
	span    opentracing.Span
}

// handle runs one delivery in a span that continues the trace of the publish that queued it, and
// settles it: ack, retry later, or dead letter. Every outcome is logged once, with the time taken.
func (w *Worker) handle(ctx context.Context, msg jetstream.Msg) {
	meta, err := msg.Metadata()
	if err != nil { // not a JetStream delivery: nothing to settle
		w.log.ErrorContext(ctx, "jobs: a message without JetStream metadata", "subject", msg.Subject(), "error", err)
		return
	}
	dl := delivery{msg: msg, attempt: int(meta.NumDelivered), seq: meta.Sequence.Stream}
	dl.span = w.startSpan(msg, dl.attempt, dl.seq)
	defer dl.span.Finish()
	ctx = opentracing.ContextWithSpan(ctx, dl.span)
	if dl.attempt > 1 {
		w.metrics.Retried(mediajob.Subject)
	}

	dl.job, err = mediajob.Decode(msg.Data())
	if err != nil {
		w.settle(ctx, dl, Decision{Action: DeadLetter, Why: err.Error()}, 0, "", nil)
		return
	}
	dl.span.SetTag("video_id", dl.job.VideoID)
	if d, stop := w.cfg.Policy.Before(dl.attempt); stop {
		w.settle(ctx, dl, d, 0, "", nil)
		return
	}

	start := time.Now()
	stopBeat := w.heartbeat(ctx, msg)
	outcome, err := w.maker.Make(ctx, dl.job)
	stopBeat()
	elapsed := time.Since(start)
	w.metrics.Processed(mediajob.Subject, elapsed)
	if ctx.Err() != nil {
		// The worker is stopping and cut the job short: hand it back at once, for another worker.
		_ = msg.Nak()
		dl.span.SetTag("decision", "handed_back")
		w.log.WarnContext(ctx, "jobs: stopped mid-job; handed back to the queue", "video_id", dl.job.VideoID, "attempt", dl.attempt)
		return
	}
	if err != nil {
		ext.LogError(dl.span, err)
	}
	w.settle(ctx, dl, w.cfg.Policy.After(dl.attempt, err), elapsed, outcome, err)
}

// settle carries out a decision and logs it.
func (w *Worker) settle(ctx context.Context, dl delivery, d Decision, took time.Duration, outcome cover.Outcome, jobErr error) {
	attrs := []any{"video_id", dl.job.VideoID, "attempt", dl.attempt, "took", took.Round(time.Millisecond).String()}
	dl.span.SetTag("decision", d.Action.String())
	switch d.Action {
	case Ack:
		dl.span.SetTag("outcome", string(outcome))
		if err := dl.msg.Ack(); err != nil {
			// The job is done; the redelivery this causes finds the cover recorded and acks.
			w.log.WarnContext(ctx, "jobs: ack failed; the job will be seen again", append(attrs, "error", err)...)
			return
		}
		w.log.InfoContext(ctx, "jobs: cover job done", append(attrs, "outcome", string(outcome))...)
	case Retry:
		if err := dl.msg.NakWithDelay(d.Delay); err != nil {
			w.log.WarnContext(ctx, "jobs: nak failed; the job comes back after the ack wait", append(attrs, "error", err)...)
		}
		w.log.WarnContext(ctx, "jobs: cover job failed; retrying", append(attrs, "retry_in", d.Delay.String(), "error", jobErr)...)
	case DeadLetter:
		w.deadLetter(ctx, dl, d.Why, attrs)
	}
}

// deadLetter files the job on the dead-letter subject, then removes it from the queue. If the
// dead letter cannot be filed the job is kept, to be filed on its next delivery.
func (w *Worker) deadLetter(ctx context.Context, dl delivery, why string, attrs []any) {
	dead := nats.NewMsg(mediajob.DeadSubject)
	dead.Data = mediajob.DeadLetter{Job: dl.job, Attempts: dl.attempt, Error: why, FailedAt: time.Now().UTC(), StreamSeq: dl.seq}.Encode()
	if span := opentracing.SpanFromContext(ctx); span != nil {
		_ = queue.InjectTrace(span, dead.Header)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := w.js.PublishMsg(pctx, dead, jetstream.WithMsgID(mediajob.DeadMsgID(dl.seq))); err != nil {
		_ = dl.msg.NakWithDelay(w.cfg.Policy.RetryMin)
		w.log.ErrorContext(ctx, "jobs: the dead letter could not be filed; the job is kept", append(attrs, "error", err)...)
		return
	}
	if err := dl.msg.TermWithReason("dead-lettered: " + why); err != nil && !errors.Is(err, nats.ErrMsgAlreadyAckd) {
		w.log.WarnContext(ctx, "jobs: could not drop a dead-lettered job; it will be filed again (de-duplicated)", append(attrs, "error", err)...)
	}
	w.metrics.DeadLettered(mediajob.Subject)
	w.log.ErrorContext(ctx, "jobs: cover job given up; the fallback cover stays", append(attrs, "why", why, "dead_letter_subject", mediajob.DeadSubject)...)
}

// startSpan continues the trace the message carries (the relay's publish span), as a span that
// follows from it: the publish did not wait for it.
func (w *Worker) startSpan(msg jetstream.Msg, attempt int, seq uint64) opentracing.Span {
	opts := []opentracing.StartSpanOption{ext.SpanKindConsumer}
	if parent, err := queue.ExtractTrace(w.tracer, nats.Header(msg.Headers())); err == nil {
		opts = append(opts, opentracing.FollowsFrom(parent))
	}
	span := w.tracer.StartSpan("media:process "+msg.Subject(), opts...)
	ext.MessageBusDestination.Set(span, msg.Subject())
	span.SetTag("attempt", attempt)
	span.SetTag("stream_seq", seq)
	return span
}

// heartbeat tells the server the job is in progress every third of the ack wait, so that a long
// ffmpeg run is not delivered to another worker; a worker that dies stops telling, and the job is
// delivered again once the ack wait runs out.
func (w *Worker) heartbeat(ctx context.Context, msg jetstream.Msg) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(w.cfg.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()
	return func() { close(done); <-finished }
}
