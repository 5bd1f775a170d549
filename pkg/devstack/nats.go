package devstack

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"simpletiktok/pkg/mediajob"
)

// NATSURL is the URL of the stack's NATS server.
func (s *Stack) NATSURL() string { return "nats://" + loopback(s.opts.Ports.NATS) }

// startNATS starts bin/nats-server with JetStream, its streams kept in VarDir/nats (kept across
// runs: jobs queued and not yet processed survive a restart of the stack), and waits until
// JetStream answers.
func (s *Stack) startNATS(ctx context.Context) error {
	s.printf("starting nats-server (JetStream) on %s", s.NATSURL())
	p, err := s.launch("nats-server", []string{
		"--name", "devstack",
		"--addr", "127.0.0.1",
		"--port", fmt.Sprint(s.opts.Ports.NATS),
		"--jetstream",
		"--store_dir", s.natsDir,
	}, nil)
	if err != nil {
		return err
	}
	// The probes' own connection: no reconnect noise, nothing retried behind the probe's back.
	nc, err := nats.Connect(s.NATSURL(), nats.Name("devstack"), nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1), nats.NoCallbacksAfterClientClose())
	if err != nil {
		return fmt.Errorf("devstack: nats client: %w", err)
	}
	s.nats = nc
	if err := s.waitReady(ctx, p, s.jetStreamReady); err != nil {
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
	p, err := s.launch(name, []string{"-config", config}, s.workerEnv())
	if err != nil {
		return err
	}
	if err := s.waitReady(ctx, p, s.workerPulling); err != nil {
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
