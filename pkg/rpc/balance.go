package rpc

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/discovery"
	"github.com/cloudwego/kitex/pkg/endpoint"
	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/pkg/loadbalance"
	"github.com/cloudwego/kitex/pkg/rpcinfo"
)

// brokenFor is how long an instance whose connection broke is passed over. An instance killed with
// kill -9 stays in etcd until its lease expires (leaseTTL), and the client's pool still holds
// connections to it that the kernel has reset but that the pool notices only when it uses them:
// without this, a call right after the kill, or the resend of a write cut off by it (rpc.Write),
// can draw one dead connection after another and fail although a live instance is there.
const brokenFor = 2 * time.Second

// broken remembers which instances a connection to failed lately, by address. Entries are few (one
// per instance that ever failed) and are overwritten, never removed.
type broken struct {
	mu    sync.RWMutex
	until map[string]time.Time
}

func newBroken() *broken { return &broken{until: map[string]time.Time{}} }

func (b *broken) failed(addr string, now time.Time) {
	b.mu.Lock()
	b.until[addr] = now.Add(brokenFor)
	b.mu.Unlock()
}

func (b *broken) passOver(addr string, now time.Time) bool {
	b.mu.RLock()
	until, ok := b.until[addr]
	b.mu.RUnlock()
	return ok && now.Before(until)
}

// balancing returns the client options that spread calls at random over the instances of a
// service, passing over those whose connection broke (refused, reset, closed) in the last
// brokenFor, or any of them when every one did. The options are the process's: all its clients
// share what they learn of an address.
func balancing() []client.Option {
	b := newBroken()
	return []client.Option{
		client.WithLoadBalancer(avoidBroken{b}),
		client.WithInstanceMW(noteBroken(b)),
	}
}

// connectionBroke reports whether err is a connection that could not be made, or that failed on
// the way, rather than an answer.
func connectionBroke(err error) bool {
	return errors.Is(err, kerrors.ErrGetConnection) || errors.Is(err, kerrors.ErrRemoteOrNetwork)
}

// noteBroken records the instance a call's connection broke with (an instance middleware: it runs
// for each attempt, after the balancer picked the instance).
func noteBroken(b *broken) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req, resp interface{}) error {
			err := next(ctx, req, resp)
			if err != nil && connectionBroke(err) {
				if ri := rpcinfo.GetRPCInfo(ctx); ri != nil && ri.To().Address() != nil {
					b.failed(ri.To().Address().String(), time.Now())
				}
			}
			return err
		}
	}
}

// avoidBroken is the load balancer of every client (balancing).
type avoidBroken struct{ b *broken }

func (a avoidBroken) GetPicker(res discovery.Result) loadbalance.Picker {
	return picker{instances: res.Instances, b: a.b}
}

func (avoidBroken) Name() string { return "random_avoiding_broken" }

type picker struct {
	instances []discovery.Instance
	b         *broken
}

// Next starts at a random instance and takes the first one not passed over, or the random one when
// every instance is.
func (p picker) Next(context.Context, interface{}) discovery.Instance {
	n := len(p.instances)
	if n == 0 {
		return nil
	}
	now, start := time.Now(), rand.IntN(n)
	for i := range n {
		if in := p.instances[(start+i)%n]; !p.b.passOver(in.Address().String(), now) {
			return in
		}
	}
	return p.instances[start]
}
