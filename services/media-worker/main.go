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
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cloudwego/kitex/pkg/klog"
	"github.com/nats-io/nats.go/jetstream"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/ffmpeg"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
	"simpletiktok/pkg/logging"
	"simpletiktok/pkg/metrics"
	"simpletiktok/pkg/peers"
	"simpletiktok/pkg/queue"
	"simpletiktok/pkg/rpc"
	"simpletiktok/pkg/tracing"
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
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	path := fs.String("config", "config.yaml", "path of the YAML config file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cfg workerConfig
	if err := config.Load(*path, &cfg); err != nil {
		return err
	}
	log, err := logging.New(name, cfg.Log.Level)
	if err != nil {
		return err
	}
	klog.SetLogger(logging.Kitex(log, klog.LevelWarn))
	tracer, closer, err := tracing.New(name, cfg.Env, cfg.Tracing)
	if err != nil {
		return err
	}
	defer closer.Close()
	// SIGINT/SIGTERM stop the pulling; the jobs running get worker.shutdown_grace to finish.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	reg := metrics.NewRegistry()
	calls, err := metrics.NewRPC(reg)
	if err != nil {
		return err
	}
	queueMetrics, err := metrics.NewQueue(reg)
	if err != nil {
		return err
	}
	admin := metrics.NewAdmin(cfg.Admin.Listen, reg, log)
	// First, so that a busy admin port stops the start at once.
	if err := admin.Start(); err != nil {
		return err
	}
	defer func() {
		actx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = admin.Close(actx)
	}()

	store, err := cfg.Media.Open(ctx)
	if err != nil {
		return err
	}
	tools := ffmpeg.Tools{FFmpeg: cfg.Media.FFmpeg, Timeout: cfg.Media.ToolTimeout}
	if err := tools.Check(); err != nil {
		return err
	}
	clientOpts, err := rpc.ClientOptions(cfg.Etcd, cfg.Client, tracer, log, calls)
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
	worker, err := jobs.NewWorker(js, maker, tracer, log, queueMetrics, jobs.Config{
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
	admin.AddCheck("nats", func(context.Context) error {
		if !nc.IsConnected() {
			return errors.New("not connected to " + cfg.NATS.Redacted())
		}
		return nil
	})
	admin.AddCheck("consumer", func(context.Context) error { return worker.Ready() })

	log.Info("serving", "nats", cfg.NATS.Redacted(), "storage", cfg.Media.Storage, "concurrency", w.Concurrency)
	err = worker.Run(ctx)
	admin.Drain()
	log.Info("stopped")
	return err
}
