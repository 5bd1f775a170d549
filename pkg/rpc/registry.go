package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudwego/kitex/pkg/registry"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	grpcbackoff "google.golang.org/grpc/backoff"

	"simpletiktok/pkg/backoff"
)

// The registry is the project's own rather than kitex-contrib/registry-etcd's, whose keeper gives
// up for good after five failed checks (about a minute of etcd being away) and then leaves the
// service unregistered until it is restarted. This one keeps the instance in etcd for as long as
// the server runs, whatever etcd does. It writes the same keys and values as registry-etcd, so
// that registry-etcd's resolver (and anything else reading etcd) finds the instances.
const (
	// registryPrefix is registry-etcd's: kitex/registry-etcd/<service>/<host:port>.
	registryPrefix = "kitex/registry-etcd/"
	// leaseTTL is how long an instance outlives its process in etcd (a kill -9 leaves its key
	// until then), unless leaseTTLEnv says otherwise. etcd renews every lease when it restarts,
	// so an etcd outage does not expire it.
	leaseTTL = 10 // seconds
	// leaseTTLEnv is registry-etcd's variable for the TTL, which deployments already set.
	leaseTTLEnv = "KITEX_ETCD_REGISTRY_LEASE_TTL"
	// registerTimeout bounds one attempt to grant a lease and write the key.
	registerTimeout = 3 * time.Second
	// checkInterval is how often the keeper makes sure the key is still there: a lease can live
	// on while its key is gone (deleted by hand, or an etcd restored from an older snapshot).
	checkInterval = 15 * time.Second
	// reconnectMaxDelay caps gRPC's reconnection backoff towards etcd (its default is 2 minutes),
	// so that a client notices within a second or two that a restarted etcd is back.
	reconnectMaxDelay = time.Second
)

// etcdClient connects to etcd without blocking: the connection is made, and remade after etcd
// restarts, in the background.
func etcdClient(endpoints []string) (*clientv3.Client, error) {
	return clientv3.New(etcdConfig(endpoints))
}

func etcdConfig(endpoints []string) clientv3.Config {
	return clientv3.Config{
		Endpoints: endpoints,
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: grpcbackoff.Config{
				BaseDelay:  100 * time.Millisecond,
				Multiplier: 1.6,
				Jitter:     0.2,
				MaxDelay:   reconnectMaxDelay,
			},
			MinConnectTimeout: time.Second,
		})},
		// The client's own zap logs would be a second, differently shaped log; the registry
		// logs what matters (lost and regained registrations) itself.
		Logger: zap.NewNop(),
	}
}

// instance is the value registry-etcd's resolver reads.
type instance struct {
	Network string            `json:"network"`
	Address string            `json:"address"`
	Weight  int               `json:"weight"`
	Tags    map[string]string `json:"tags"`
}

// etcdRegistry implements Kitex's registry.Registry for one server.
type etcdRegistry struct {
	cli        *clientv3.Client
	ttl        int64    // of the lease, in seconds
	advertise  net.Addr // registered instead of the listen address when set
	log        *slog.Logger
	checkEvery time.Duration // checkInterval; shorter in tests

	mu   sync.Mutex
	key  string
	stop context.CancelFunc // ends the keeper
	done chan struct{}      // closed when the keeper has returned
}

func newRegistry(endpoints []string, advertise net.Addr, log *slog.Logger) (*etcdRegistry, error) {
	cli, err := etcdClient(endpoints)
	if err != nil {
		return nil, err
	}
	return &etcdRegistry{cli: cli, ttl: ttlFromEnv(), advertise: advertise, log: log, checkEvery: checkInterval}, nil
}

// ttlFromEnv is leaseTTLEnv when it holds a positive number of seconds, else leaseTTL.
func ttlFromEnv() int64 {
	if n, err := strconv.ParseInt(os.Getenv(leaseTTLEnv), 10, 64); err == nil && n > 0 {
		return n
	}
	return leaseTTL
}

// Register writes the instance under a fresh lease and starts the keeper. Only this first write
// can fail the server's start; after it, losing etcd is the keeper's to repair.
func (r *etcdRegistry) Register(info *registry.Info) error {
	key, val, err := r.entry(info)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), registerTimeout)
	lease, err := r.put(ctx, key, val)
	cancel()
	if err != nil {
		return fmt.Errorf("register %s in etcd: %w", key, err)
	}
	keepCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	r.mu.Lock()
	r.key, r.stop, r.done = key, stop, done
	r.mu.Unlock()
	go r.keep(keepCtx, key, val, lease, done)
	return nil
}

// Deregister stops the keeper and deletes the instance, so that callers stop picking it before
// the server closes; then it closes the etcd client. Later calls do nothing.
func (r *etcdRegistry) Deregister(*registry.Info) error {
	r.mu.Lock()
	key, stop, done := r.key, r.stop, r.done
	r.stop = nil
	r.mu.Unlock()
	if stop == nil {
		return nil // never registered, or already deregistered
	}
	defer r.cli.Close()
	stop()
	<-done
	ctx, cancel := context.WithTimeout(context.Background(), registerTimeout)
	defer cancel()
	if _, err := r.cli.Delete(ctx, key); err != nil {
		return fmt.Errorf("deregister %s from etcd: %w", key, err)
	}
	return nil
}

// entry is the key and value of the instance, in registry-etcd's layout.
func (r *etcdRegistry) entry(info *registry.Info) (key, val string, err error) {
	if info.ServiceName == "" || strings.Contains(info.ServiceName, "/") {
		return "", "", fmt.Errorf("register: service name %q must be non-empty and free of '/'", info.ServiceName)
	}
	addr := r.advertise
	if addr == nil {
		addr = info.Addr
	}
	if addr == nil {
		return "", "", errors.New("register: the server has no address")
	}
	hostPort, err := dialable(addr.String())
	if err != nil {
		return "", "", err
	}
	b, err := json.Marshal(instance{Network: addr.Network(), Address: hostPort, Weight: info.Weight, Tags: info.Tags})
	if err != nil {
		return "", "", err
	}
	return registryPrefix + info.ServiceName + "/" + hostPort, string(b), nil
}

// dialable turns a listen address into one callers can dial: a server listening on every
// interface (0.0.0.0, ::) is registered under this machine's first non-loopback IPv4 address.
// Set server.advertise when that is not the right one.
func dialable(hostPort string) (string, error) {
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		return "", fmt.Errorf("register: address %q: %w", hostPort, err)
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return hostPort, nil
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", fmt.Errorf("register: interface addresses: %w", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return net.JoinHostPort(n.IP.String(), port), nil
		}
	}
	return "", fmt.Errorf("register: listening on %s, and this machine has no non-loopback IPv4 address to register; set server.advertise", hostPort)
}

// put grants a lease and writes the key under it.
func (r *etcdRegistry) put(ctx context.Context, key, val string) (clientv3.LeaseID, error) {
	grant, err := r.cli.Grant(ctx, r.ttl)
	if err != nil {
		return 0, fmt.Errorf("grant lease: %w", err)
	}
	if _, err := r.cli.Put(ctx, key, val, clientv3.WithLease(grant.ID)); err != nil {
		return 0, fmt.Errorf("put: %w", err)
	}
	return grant.ID, nil
}

// keep holds the registration until ctx ends: it keeps the lease alive, and when the lease is
// lost (etcd away for longer than the TTL, or restarted without its data) it writes the key
// again under a new lease, retrying with backoff for as long as etcd is unreachable.
func (r *etcdRegistry) keep(ctx context.Context, key, val string, lease clientv3.LeaseID, done chan<- struct{}) {
	defer close(done)
	retry := backoff.Backoff{Min: 200 * time.Millisecond, Max: 5 * time.Second}
	for {
		reason := r.hold(ctx, key, val, lease)
		if ctx.Err() != nil {
			return
		}
		r.log.Warn("etcd registration lost; registering again", "key", key, "reason", reason)
		lost := time.Now()
		for attempt := 1; ; attempt++ {
			select {
			case <-ctx.Done():
				return
			case <-time.After(retry.Next()):
			}
			actx, cancel := context.WithTimeout(ctx, registerTimeout)
			var err error
			lease, err = r.put(actx, key, val)
			cancel()
			if err == nil {
				r.log.Info("registered in etcd again", "key", key, "attempts", attempt,
					"unregistered_for", time.Since(lost).Round(time.Millisecond).String())
				retry.Reset()
				break
			}
			if ctx.Err() != nil {
				return
			}
			// One line per attempt would flood the log during a long outage; the first few
			// and then every tenth say enough.
			if attempt <= 3 || attempt%10 == 0 {
				r.log.Warn("etcd registration failed; retrying", "key", key, "attempt", attempt, "error", err)
			}
		}
	}
}

// hold keeps lease alive, and the key written under it, until the lease is lost or ctx ends.
// It returns why it stopped.
func (r *etcdRegistry) hold(ctx context.Context, key, val string, lease clientv3.LeaseID) error {
	kctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The client sends a keep-alive every TTL/3, resends after reconnecting, and closes the
	// channel when the lease has expired or no answer came for a whole TTL.
	alive, err := r.cli.KeepAlive(kctx, lease)
	if err != nil {
		return fmt.Errorf("keepalive: %w", err)
	}
	check := time.NewTicker(r.checkEvery)
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case _, ok := <-alive:
			if !ok {
				return errors.New("the lease expired or etcd did not answer for a whole lease TTL")
			}
		case <-check.C:
			if err := r.ensureKey(ctx, key, val, lease); err != nil {
				r.log.Warn("etcd registration check failed", "key", key, "error", err)
			}
		}
	}
}

// ensureKey writes the key again if it is missing or no longer under lease. An unreachable etcd
// is not repaired here: the lease keep-alive notices that on its own.
func (r *etcdRegistry) ensureKey(ctx context.Context, key, val string, lease clientv3.LeaseID) error {
	gctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	resp, err := r.cli.Get(gctx, key)
	if err != nil {
		return nil
	}
	if len(resp.Kvs) == 1 && clientv3.LeaseID(resp.Kvs[0].Lease) == lease && string(resp.Kvs[0].Value) == val {
		return nil
	}
	if _, err := r.cli.Put(gctx, key, val, clientv3.WithLease(lease)); err != nil {
		return err
	}
	r.log.Warn("etcd registration was missing; written again", "key", key)
	return nil
}
