package devstack

import (
	"context"
	"fmt"
	"net"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// registryPrefix is where Kitex registry-etcd (v0.2.6) writes a service's instances:
// kitex/registry-etcd/<service>/<addr>.
const registryPrefix = "kitex/registry-etcd/"

// startEtcd starts bin/etcd on a wiped data folder and waits until a client read succeeds.
func (s *Stack) startEtcd(ctx context.Context) error {
	addr := loopback(s.opts.Ports.EtcdClient)
	s.printf("starting etcd on %s", addr)
	p, err := s.launch("etcd", []string{
		"-name", "devstack",
		"-data-dir", s.etcdDir,
		"-client-addr", addr,
		"-peer-addr", loopback(s.opts.Ports.EtcdPeer),
	}, nil)
	if err != nil {
		return err
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{addr},
		DialTimeout: probeTimeout,
		// The client's own logs would land on the terminal of `make run`; its errors reach us
		// through the probes anyway.
		Logger: zap.NewNop(),
	})
	if err != nil {
		return fmt.Errorf("devstack: etcd client: %w", err)
	}
	s.etcd = cli
	if err := s.waitReady(ctx, p, s.etcdReady(addr)); err != nil {
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

// registered is ready once the named service has at least one instance in etcd.
func (s *Stack) registered(name string) func(context.Context) error {
	return func(ctx context.Context) error {
		resp, err := s.etcd.Get(ctx, registryPrefix+name+"/", clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil {
			return err
		}
		if resp.Count == 0 {
			return fmt.Errorf("%s is not registered in etcd yet", name)
		}
		return nil
	}
}
