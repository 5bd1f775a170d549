package rpc

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/cloudwego/kitex/pkg/discovery"
	etcd "github.com/kitex-contrib/registry-etcd"
)

const (
	// knownLookupWait bounds an etcd lookup when the instances of the service are already known:
	// past it the call goes on with those. etcd on a healthy network answers in milliseconds.
	knownLookupWait = time.Second
	// firstLookupWait bounds a lookup with nothing known to fall back on, when the caller set
	// no deadline (Kitex's background refresh does not).
	firstLookupWait = 5 * time.Second
)

// lastKnownResolver keeps the last instance list etcd gave for each service and answers with it
// when etcd cannot be asked (down, restarting, slow) or answers with no instance at all.
//
// Kitex keeps resolved instances in a cache that it refreshes every 5 s, keeping the old list
// when a refresh fails; but it drops the entry of a service not called for 15 to 30 s, and the
// next call then waits for etcd. Without this, the first call to a quiet service while etcd was
// away failed with "service discovery error" after the whole RPC timeout. With it, that call goes
// to the instances last seen, which are the ones still serving: a service keeps its address
// across restarts and re-registers on its own.
type lastKnownResolver struct {
	discovery.Resolver // registry-etcd's: Target, Diff and Name are its own
	log                *slog.Logger
	knownWait          time.Duration // knownLookupWait; shorter in tests
	firstWait          time.Duration // firstLookupWait; shorter in tests

	mu    sync.Mutex
	known map[string]discovery.Result // by description (the service name)
	stale map[string]bool             // answering from known, logged once per outage
}

func newResolver(endpoints []string, log *slog.Logger) (*lastKnownResolver, error) {
	inner, err := etcd.NewEtcdResolver(endpoints, func(c *etcd.Config) {
		cfg := etcdConfig(endpoints)
		c.EtcdConfig = &cfg
	})
	if err != nil {
		return nil, err
	}
	return wrapResolver(inner, log), nil
}

func wrapResolver(inner discovery.Resolver, log *slog.Logger) *lastKnownResolver {
	return &lastKnownResolver{Resolver: inner, log: log, knownWait: knownLookupWait, firstWait: firstLookupWait,
		known: map[string]discovery.Result{}, stale: map[string]bool{}}
}

// Resolve asks etcd, within knownLookupWait when there is a last known answer to fall back on.
func (r *lastKnownResolver) Resolve(ctx context.Context, desc string) (discovery.Result, error) {
	r.mu.Lock()
	last, ok := r.known[desc]
	r.mu.Unlock()

	lookup, cancel := ctx, context.CancelFunc(func() {})
	if ok {
		lookup, cancel = context.WithTimeout(ctx, r.knownWait)
	} else if _, has := ctx.Deadline(); !has {
		lookup, cancel = context.WithTimeout(ctx, r.firstWait)
	}
	res, err := r.Resolver.Resolve(lookup, desc)
	cancel()

	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil && len(res.Instances) > 0 {
		r.known[desc] = res
		if r.stale[desc] {
			delete(r.stale, desc)
			r.log.Info("service discovery answers again", "service", desc, "instances", len(res.Instances))
		}
		return res, nil
	}
	if !ok {
		return res, err
	}
	if !r.stale[desc] {
		r.stale[desc] = true
		r.log.Warn("service discovery failed; calling the last known instances", "service", desc,
			"instances", len(last.Instances), "error", err)
	}
	return last, nil
}
