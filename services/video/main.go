// Command video is the video service: videos, their publish times and per-author work counts.
// The gateway stores the media; this service keeps the rows that point at them, and queues the
// job that makes a new video's cover (relayed from its outbox to NATS JetStream).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cloudwego/kitex/server"
	"github.com/nats-io/nats.go/jetstream"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
	"simpletiktok/pkg/mediajob"
	"simpletiktok/pkg/queue"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/video/internal/biz"
	"simpletiktok/services/video/internal/dal"
	"simpletiktok/services/video/internal/outbox"
	"simpletiktok/services/video/migrations"
)

func main() {
	if err := bootstrap.Run(rpc.VideoService, os.Args[1:], migrations.FS(), register); err != nil {
		fmt.Fprintln(os.Stderr, "video:", err)
		os.Exit(1)
	}
}

func register(ctx context.Context, svc *bootstrap.Service, opts []server.Option) (server.Server, error) {
	gdb, err := svc.OpenDB(ctx)
	if err != nil {
		return nil, err
	}
	cache, err := svc.OpenCache(ctx)
	if err != nil {
		return nil, err
	}
	if err := dal.StartClock(ctx, gdb); err != nil {
		return nil, err
	}
	relay, err := startRelay(svc, dal.NewOutbox(gdb))
	if err != nil {
		return nil, err
	}
	videos := biz.NewVideos(dal.NewVideos(gdb, cache), time.Now, relay.Notify)
	return videoservice.NewServer(&handler{videos: videos, log: svc.Log}, opts...), nil
}

// startRelay connects to NATS (in the background: the service starts and publishes whether or
// not the queue is up, the outbox keeping the jobs meanwhile) and runs the outbox relay until the
// service stops.
func startRelay(svc *bootstrap.Service, store outbox.Store) (*outbox.Relay, error) {
	if svc.Config.NATS.URL == "" {
		return nil, errors.New("nats.url is empty: the video service queues media jobs (set it or TIKTOK_NATS_URL)")
	}
	nc, err := queue.Connect(svc.Config.NATS, svc.Name, svc.Log)
	if err != nil {
		return nil, err
	}
	svc.AddCloser(bootstrap.CloserFunc(func() error { nc.Close(); return nil }))
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	relay := outbox.NewRelay(store, outbox.NewJetStream(js, mediajob.EnsureStreams), svc.Tracer, svc.Log, outbox.DefaultConfig())
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		relay.Run(ctx)
	}()
	// Stopped before the connection and the database close (closers run in reverse order).
	svc.AddCloser(bootstrap.CloserFunc(func() error { stop(); <-done; return nil }))
	return relay, nil
}
