package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/opentracing/opentracing-go"

	"simpletiktok/pkg/backoff"
	"simpletiktok/pkg/mediajob"
	"simpletiktok/services/media-worker/internal/cover"
)

// Maker runs one job (cover.Maker).
type Maker interface {
	Make(ctx context.Context, job mediajob.Job) (cover.Outcome, error)
}

// Metrics records the queue's health (pkg/metrics.Queue has these methods); NoMetrics records
// nothing.
type Metrics interface {
	SetDepth(queue string, n int)
	Processed(queue string, d time.Duration)
	Retried(queue string)
	DeadLettered(queue string)
}

// NoMetrics is a Metrics that records nothing.
type NoMetrics struct{}

func (NoMetrics) SetDepth(string, int)            {}
func (NoMetrics) Processed(string, time.Duration) {}
func (NoMetrics) Retried(string)                  {}
func (NoMetrics) DeadLettered(string)             {}

// Config tunes the worker.
type Config struct {
	Concurrency int           // jobs (ffmpeg processes) at once
	Policy      Policy        // attempts and their spacing
	AckWait     time.Duration // a job not acknowledged (nor reported in progress) this long is delivered again
	FetchWait   time.Duration // bound of one pull request
	DepthEvery  time.Duration // how often the queue's depth is read (and logged when it changed)
	Grace       time.Duration // how long a stop waits for the jobs running
}

// Worker consumes the media jobs.
type Worker struct {
	js      jetstream.JetStream
	maker   Maker
	tracer  opentracing.Tracer
	log     *slog.Logger
	metrics Metrics
	cfg     Config

	consuming atomic.Bool // the consumer is set up and the last pull did not fail
}

var errNotConsuming = errors.New("not consuming (NATS not ready, or pulls failing)")

// Ready is nil while the worker consumes: for the admin server's /readyz.
func (w *Worker) Ready() error {
	if !w.consuming.Load() {
		return errNotConsuming
	}
	return nil
}

// NewWorker returns a worker over js; Run starts it.
func NewWorker(js jetstream.JetStream, maker Maker, tracer opentracing.Tracer, log *slog.Logger, metrics Metrics, cfg Config) (*Worker, error) {
	if cfg.Concurrency < 1 || cfg.Policy.MaxAttempts < 1 || cfg.AckWait <= 0 || cfg.FetchWait <= 0 ||
		cfg.Policy.RetryMin <= 0 || cfg.Policy.RetryMax < cfg.Policy.RetryMin {
		return nil, fmt.Errorf("jobs: unusable config %+v", cfg)
	}
	return &Worker{js: js, maker: maker, tracer: tracer, log: log, metrics: metrics, cfg: cfg}, nil
}

// consumerConfig is the durable consumer every worker shares. The server redelivers a job whose
// worker went quiet for AckWait; the worker itself counts attempts (MaxDeliver is unlimited) so
// that the last one ends in the dead letters rather than silently stopping.
func (w *Worker) consumerConfig() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       mediajob.Consumer,
		Description:   "media workers: covers of published videos",
		FilterSubject: mediajob.Subject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       w.cfg.AckWait,
		MaxDeliver:    -1,
		// Bounds the jobs handed out and not yet acknowledged, across all workers.
		MaxAckPending: 1000,
	}
}

// natsRetryMax bounds the pause between two attempts to reach NATS.
const natsRetryMax = 10 * time.Second

// natsRetry spaces the attempts to reach NATS: Policy.RetryMin, doubled after each failure up to
// natsRetryMax.
func (w *Worker) natsRetry() backoff.Backoff {
	return backoff.Backoff{Min: w.cfg.Policy.RetryMin, Max: natsRetryMax}
}

// setup creates the streams and the consumer (idempotent), retrying while NATS is away.
func (w *Worker) setup(ctx context.Context) (jetstream.Consumer, error) {
	retry := w.natsRetry()
	logged := false
	for {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := mediajob.EnsureStreams(cctx, w.js)
		var cons jetstream.Consumer
		if err == nil {
			cons, err = w.js.CreateOrUpdateConsumer(cctx, mediajob.Stream, w.consumerConfig())
		}
		cancel()
		if err == nil {
			w.log.InfoContext(ctx, "jobs: consuming", "stream", mediajob.Stream, "consumer", mediajob.Consumer,
				"concurrency", w.cfg.Concurrency, "ack_wait", w.cfg.AckWait.String(), "max_attempts", w.cfg.Policy.MaxAttempts)
			return cons, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !logged {
			w.log.WarnContext(ctx, "jobs: NATS is not ready; retrying", "error", err)
			logged = true
		}
		if !backoff.Sleep(ctx, retry.Next()) {
			return nil, ctx.Err()
		}
	}
}

// Run consumes until ctx ends, then stops fetching and gives the running jobs Grace to finish;
// a job cut short is handed back to the queue (Nak) for another worker.
func (w *Worker) Run(ctx context.Context) error {
	cons, err := w.setup(ctx)
	if err != nil {
		return nil // stopped before NATS came
	}
	w.consuming.Store(true)
	defer w.consuming.Store(false)
	jobsCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	var running sync.WaitGroup
	depthDone := make(chan struct{})
	go func() { defer close(depthDone); w.watchDepth(ctx, cons) }()

	slots := make(chan struct{}, w.cfg.Concurrency)
	failing := false
	retry := w.natsRetry()
pull:
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			break pull
		}
		msg, err := w.next(ctx, cons)
		if err != nil {
			<-slots
			if ctx.Err() != nil {
				break pull
			}
			if !failing {
				w.log.WarnContext(ctx, "jobs: cannot pull from NATS; retrying", "error", err)
				failing = true
				w.consuming.Store(false)
			}
			if !backoff.Sleep(ctx, retry.Next()) {
				break pull
			}
			continue
		}
		if failing {
			w.log.InfoContext(ctx, "jobs: pulling again")
			failing = false
			retry.Reset()
			w.consuming.Store(true)
		}
		if msg == nil {
			<-slots // the pull request ended empty
			continue
		}
		running.Add(1)
		go func() {
			defer running.Done()
			defer func() { <-slots }()
			w.handle(jobsCtx, msg)
		}()
	}

	stopped := make(chan struct{})
	go func() { running.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(w.cfg.Grace):
		w.log.Warn("jobs: stopping; jobs still running are handed back to the queue")
		cancelJobs()
		<-stopped
	}
	<-depthDone
	return nil
}

// next waits up to FetchWait for a job: nil without error when none came.
func (w *Worker) next(ctx context.Context, cons jetstream.Consumer) (jetstream.Msg, error) {
	fctx, cancel := context.WithTimeout(ctx, w.cfg.FetchWait)
	defer cancel()
	msg, err := cons.Next(jetstream.FetchContext(fctx))
	if err == nil {
		return msg, nil
	}
	if ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, jetstream.ErrNoMessages)) {
		return nil, nil
	}
	return nil, err
}

// watchDepth reads how many jobs wait (not yet delivered) and run (delivered, not acknowledged),
// records it, and logs it whenever it changed.
func (w *Worker) watchDepth(ctx context.Context, cons jetstream.Consumer) {
	last := -1
	for {
		ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
		info, err := cons.Info(ictx)
		cancel()
		if err == nil {
			depth := int(info.NumPending) + info.NumAckPending
			w.metrics.SetDepth(mediajob.Subject, depth)
			if depth != last {
				w.log.InfoContext(ctx, "jobs: queue depth", "waiting", info.NumPending, "running", info.NumAckPending,
					"redelivered", info.NumRedelivered, "workers_pulling", info.NumWaiting)
				last = depth
			}
		}
		if !backoff.Sleep(ctx, w.cfg.DepthEvery) {
			return
		}
	}
}
