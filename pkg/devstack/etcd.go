package devstack

import (
	"context"
	"fmt"
	"net"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// registryPrefix is where Kitex registry-etcd (v0.2.6) writes a service's instances:
// kitex/registry-etcd/<service>/<addr>.
const registryPrefix = "kitex/registry-etcd/"

// startEtcd starts bin/etcd and waits until a client read succeeds. Its data folder was wiped
// by Start, and is kept across restarts: a restarted etcd still knows every registration.
func (s *Stack) startEtcd(ctx context.Context) error {
	addr := loopback(s.opts.Ports.EtcdClient)
	s.printf("starting etcd on %s", addr)
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{addr},
		DialTimeout: probeTimeout,
		// gRPC's default reconnection backoff grows to 2 minutes; after a restart of etcd the
		// probes must see it back within a second or two.
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
			MinConnectTimeout: time.Second,
		})},
		// The client's own logs would land on the terminal of `make run`; its errors reach us
		// through the probes anyway.
		Logger: zap.NewNop(),
	})
	if err != nil {
		return fmt.Errorf("devstack: etcd client: %w", err)
	}
	s.etcd = cli
	err = s.startChild(ctx, &child{
		name: "etcd",
		args: []string{
			"-name", "devstack",
			"-data-dir", s.etcdDir,
			"-client-addr", addr,
			"-peer-addr", loopback(s.opts.Ports.EtcdPeer),
		},
		probe: func(context.Context) func(context.Context) error { return s.etcdReady(addr) },
	})
	if err != nil {
		return err
	}
	s.printf("etcd ready")
	return nil
}

// etcdReady dials the port before reading: the gRPC connection is then first attempted once the
// server listens, instead of backing off from an early refusal and answering late.
func (s *Stack) etcdReady(addr string) func(context.Context) error {
	return func(ctx context.Context) error {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		conn.Close()
		_, err = s.etcd.Get(ctx, "devstack/ready")
		return err
	}
}

// registered returns the readiness check of a service process about to start: ready once its
// key (the service and the address it registers, addr()) is in etcd, written after now. A killed
// predecessor's key stays until its lease expires, and must not pass for the new process's
// registration; another instance's key is another key.
func (s *Stack) registered(service string, addr func() string) func(context.Context) func(context.Context) error {
	return func(ctx context.Context) func(context.Context) error {
		key := registryPrefix + service + "/" + addr()
		// With etcd unreachable now, since stays 0 and the key counts as it is, a predecessor's
		// included: the restart may then be called ready before the service has registered.
		// Rare (a service and etcd down at once), and the service registers on its own.
		var since int64
		rctx, cancel := context.WithTimeout(ctx, probeTimeout)
		if resp, err := s.etcd.Get(rctx, key, clientv3.WithCountOnly()); err == nil {
			since = resp.Header.Revision
		}
		cancel()
		return func(ctx context.Context) error {
			resp, err := s.etcd.Get(ctx, key, clientv3.WithKeysOnly())
			if err != nil {
				return err
			}
			if len(resp.Kvs) == 1 && resp.Kvs[0].ModRevision > since {
				return nil
			}
			return fmt.Errorf("%s is not registered in etcd yet (no new key %s)", service, key)
		}
	}
}
