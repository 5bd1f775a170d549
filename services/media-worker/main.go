// Command media-worker makes the covers of published videos. It consumes the video.uploaded jobs
// that the video service queues on NATS JetStream (a durable pull consumer shared by every worker
// replica: that consumer is how workers are "registered", and JetStream hands each job to one of
// them), runs at most worker.concurrency ffmpeg processes at once, stores the cover beside the
// video and records it through the video service's SetCover. It serves /metrics, /healthz and
// /readyz on admin.listen. See docs/architecture.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/ffmpeg"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
	"simpletiktok/pkg/metrics"
	"simpletiktok/pkg/peers"
	"simpletiktok/pkg/queue"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/media-worker/internal/cover"
	"simpletiktok/services/media-worker/internal/jobs"
)

const name = "media-worker"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	var cfg workerConfig
	p, err := bootstrap.Start(name, args, &cfg, nil)
	if err != nil {
		return err
	}
	defer p.Close()
	log := p.Log
	queueMetrics, err := metrics.NewQueue(p.Metrics)
	if err != nil {
		return err
	}
	if err := p.StartAdmin(); err != nil {
		return err
	}
	// SIGINT/SIGTERM stop the pulling; the jobs running get worker.shutdown_grace to finish.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	store, err := cfg.Media.Open(ctx)
	if err != nil {
		return err
	}
	tools := ffmpeg.Tools{FFmpeg: cfg.Media.FFmpeg, Timeout: cfg.Media.ToolTimeout}
	if err := tools.Check(); err != nil {
		return err
	}
	clientOpts, err := rpc.ClientOptions(cfg.Etcd, cfg.Client, p.Tracer, log, p.Calls)
	if err != nil {
		return err
	}
	videoClient, err := videoservice.NewClient(rpc.VideoService, clientOpts...)
	if err != nil {
		return fmt.Errorf("video service client: %w", err)
	}
	maker, err := cover.NewMaker(peers.NewVideos(videoClient), store, tools, filepath.Join(cfg.Media.Dir, ".work"), log)
	if err != nil {
		return err
	}
	maker.RemoveStale(time.Now())

	nc, err := queue.Connect(cfg.NATS, name, log)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	w := cfg.Worker
	worker, err := jobs.NewWorker(js, maker, p.Tracer, log, queueMetrics, jobs.Config{
		Concurrency: w.Concurrency,
		Policy:      jobs.Policy{MaxAttempts: w.MaxAttempts, RetryMin: w.RetryMin, RetryMax: w.RetryMax},
		AckWait:     w.AckWait,
		FetchWait:   5 * time.Second,
		DepthEvery:  10 * time.Second,
		Grace:       w.ShutdownGrace,
	})
	if err != nil {
		return err
	}
	p.Admin.AddCheck("nats", func(context.Context) error {
		if !nc.IsConnected() {
			return errors.New("not connected to " + cfg.NATS.Redacted())
		}
		return nil
	})
	p.Admin.AddCheck("consumer", func(context.Context) error { return worker.Ready() })

	log.Info("serving", "nats", cfg.NATS.Redacted(), "storage", cfg.Media.Storage, "concurrency", w.Concurrency)
	err = worker.Run(ctx)
	p.Admin.Drain()
	log.Info("stopped")
	return err
}
