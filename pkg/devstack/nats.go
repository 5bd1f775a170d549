package devstack

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"simpletiktok/pkg/mediajob"
)

// NATSURL is the URL of the stack's NATS server.
func (s *Stack) NATSURL() string { return "nats://" + loopback(s.opts.Ports.NATS) }

// startNATS starts bin/nats-server with JetStream, its streams kept in VarDir/nats (kept across
// runs and restarts: jobs queued and not yet processed survive them), and waits until JetStream
// answers.
func (s *Stack) startNATS(ctx context.Context) error {
	s.printf("starting nats-server (JetStream) on %s", s.NATSURL())
	// The probes' own connection, which reconnects on its own after a restart of the server.
	nc, err := nats.Connect(s.NATSURL(), nats.Name("devstack"), nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond), nats.NoCallbacksAfterClientClose())
	if err != nil {
		return fmt.Errorf("devstack: nats client: %w", err)
	}
	s.nats = nc
	err = s.startChild(ctx, &child{
		name: "nats-server",
		args: []string{
			"--name", "devstack",
			"--addr", "127.0.0.1",
			"--port", fmt.Sprint(s.opts.Ports.NATS),
			"--jetstream",
			"--store_dir", s.natsDir,
		},
		probe: func(context.Context) func(context.Context) error { return s.jetStreamReady },
	})
	if err != nil {
		return err
	}
	s.printf("nats-server ready")
	return nil
}

// jetStreamReady wants the account's JetStream to answer.
func (s *Stack) jetStreamReady(ctx context.Context) error {
	js, err := jetstream.New(s.nats)
	if err != nil {
		return err
	}
	_, err = js.AccountInfo(ctx)
	return err
}

// startWorker starts the media worker, ready once it pulls jobs: the consumer it shares with
// every worker has a pull request waiting (the worker is not an RPC server and registers nowhere
// else).
func (s *Stack) startWorker(ctx context.Context) error {
	const name = "media-worker"
	s.printf("starting %s", name)
	config := filepath.Join(s.opts.Root, "services", name, "config.yaml")
	err := s.startChild(ctx, &child{
		name:  name,
		args:  []string{"-config", config},
		env:   s.workerEnv(),
		probe: func(context.Context) func(context.Context) error { return s.workerPulling },
	})
	if err != nil {
		return err
	}
	s.printf("%s ready", name)
	return nil
}

func (s *Stack) workerEnv() []string {
	return []string{
		"TIKTOK_ETCD_ENDPOINTS=" + loopback(s.opts.Ports.EtcdClient),
		"TIKTOK_JAEGER_COLLECTOR_URL=" + s.collectorURL(),
		"TIKTOK_NATS_URL=" + s.NATSURL(),
		"TIKTOK_MEDIA_DIR=" + s.mediaDir,
		"TIKTOK_ADMIN_ADDR=" + loopback(s.opts.Ports.WorkerAdmin),
		"TIKTOK_ENV=development",
	}
}

// workerPulling wants a worker's pull request waiting on the media consumer.
func (s *Stack) workerPulling(ctx context.Context) error {
	js, err := jetstream.New(s.nats)
	if err != nil {
		return err
	}
	cons, err := js.Consumer(ctx, mediajob.Stream, mediajob.Consumer)
	if err != nil {
		return err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return err
	}
	if info.NumWaiting == 0 {
		return errors.New("no media worker is pulling jobs yet")
	}
	return nil
}
