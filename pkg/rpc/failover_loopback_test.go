//go:build integration

package rpc

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/endpoint"
	"github.com/cloudwego/kitex/pkg/kerrors"
	kitexopentracing "github.com/kitex-contrib/tracer-opentracing"
	"github.com/opentracing/opentracing-go"

	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/user/userservice"
)

// With one instance of two gone (its port refuses, as after a kill -9 before its etcd lease
// expires), every call, read or write, reaches the live one: a call that could not connect was
// certainly not sent, and Kitex's resolve step picks an instance again for it; the balancer
// (balance.go) passes over the instance that refused, so that calls stop dialling it at once (a
// dial to a vanished host costs the whole connect timeout, not a refusal's microseconds).
func TestCallsGoAroundAnInstanceThatRefuses(t *testing.T) {
	p := newProbe()
	live := startProbe(t, p)
	dead := freeAddr(t).String() // nothing listens there
	cfg := policyConfig()
	var dials atomic.Int64 // refused connections
	opts := append([]client.Option{
		client.WithHostPorts(dead, live),
		client.WithSuite(kitexopentracing.NewClientSuite(opentracing.NoopTracer{}, operationName)),
		client.WithConnectTimeout(cfg.ConnectTimeout),
		client.WithInstanceMW(func(next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req, resp interface{}) error {
				err := next(ctx, req, resp)
				if errors.Is(err, kerrors.ErrGetConnection) {
					dials.Add(1)
				}
				return err
			}
		}),
	}, append(callPolicy(cfg), balancing()...)...)
	for i := 0; ; i++ { // the live one listens
		if conn, err := net.Dial("tcp", live); err == nil {
			conn.Close()
			break
		} else if i == 200 {
			t.Fatal(err)
		}
	}
	cli, err := NewClient(userservice.NewClient, UserService, opts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	for i := range n {
		if _, err := cli.Register(context.Background(), &user.RegisterRequest{}); err != nil {
			t.Fatalf("write %d of %d: %v", i+1, n, err)
		}
		if _, err := cli.MGetUsers(context.Background(), &user.MGetUsersRequest{}); err != nil {
			t.Fatalf("read %d of %d: %v", i+1, n, err)
		}
	}
	if _, calls := p.seen("Register"); calls != n {
		t.Fatalf("the live instance served %d writes; want %d", calls, n)
	}
	// The calls take far less than brokenFor: the dead instance is dialled once (without the
	// balancer, until its breaker opens after min_sample refusals).
	if d := dials.Load(); d != 1 {
		t.Fatalf("%d dials refused by the dead instance; want 1, then passed over", d)
	}
}
