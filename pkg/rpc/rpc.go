// Package rpc builds every Kitex server's and client's options in one place: etcd registry and
// resolver, TTHeader transport, OpenTracing spans, call metrics, business status errors, timeouts
// and graceful shutdown. No main.go repeats an option list.
package rpc

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/connpool"
	"github.com/cloudwego/kitex/pkg/rpcinfo"
	"github.com/cloudwego/kitex/pkg/stats"
	"github.com/cloudwego/kitex/server"
	kitexopentracing "github.com/kitex-contrib/tracer-opentracing"
	"github.com/opentracing/opentracing-go"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/metrics"
)

// Service names, as registered in etcd and shown in traces.
const (
	UserService     = "user"
	VideoService    = "video"
	FavoriteService = "favorite"
	CommentService  = "comment"
	RelationService = "relation"
	MessageService  = "message"
)

// Observers are told what the RPC server and clients do: calls counts and times every call, and
// registered (when set) learns when the server enters etcd (true) and leaves it at shutdown
// (false), which is when the process stops being ready.
type Observers struct {
	Calls      *metrics.RPC
	Registered func(bool)
}

// ServerOptions returns the options of the RPC server of service. Its handlers return what biz
// returned: a middleware (errors.go) answers it to the caller as a business status error with its
// code and logs, on log, the failures that are not business errors. A panic in a handler is logged
// once, by Kitex itself, through the logger bootstrap gives klog (logging.Kitex). log also
// receives the registry's lines about losing and regaining the service's etcd registration.
func ServerOptions(service string, cfg config.Service, tracer opentracing.Tracer, log *slog.Logger, obs Observers) ([]server.Option, error) {
	listen, err := net.ResolveTCPAddr("tcp", cfg.Server.Listen)
	if err != nil {
		return nil, fmt.Errorf("server.listen: %w", err)
	}
	var advertise net.Addr
	if cfg.Server.Advertise != "" {
		adv, err := net.ResolveTCPAddr("tcp", cfg.Server.Advertise)
		if err != nil {
			return nil, fmt.Errorf("server.advertise: %w", err)
		}
		advertise = adv
	}
	reg, err := newRegistry(cfg.Etcd.Endpoints, advertise, log)
	if err != nil {
		return nil, fmt.Errorf("etcd registry at %v: %w", cfg.Etcd.Endpoints, err)
	}
	return append([]server.Option{
		server.WithServerBasicInfo(&rpcinfo.EndpointBasicInfo{ServiceName: service}),
		server.WithServiceAddr(listen),
		server.WithRegistry(observedRegistry{Registry: reg, registered: obs.Registered}),
		// The suite starts the server span (child of the caller's) and sets up TTHeader.
		server.WithSuite(kitexopentracing.NewServerSuite(tracer, operationName)),
		// One span per call is what a trace needs. The detailed level would add read/write/handler
		// event spans, and the tracer's code for those dereferences events a failed call never
		// recorded (a recovered panic logged with its stack).
		server.WithStatsLevel(stats.LevelBase),
		server.WithTracer(obs.Calls.ServerTracer(service)),
		server.WithExitWaitTime(cfg.Server.ShutdownGrace),
	}, handling(log)...), nil
}

// ClientOptions returns the options every client of this process shares; a client is made with
// them by NewClient (rpc.NewClient(userservice.NewClient, rpc.UserService, opts, timeouts)), which
// adds the client's own circuit breaker. Timeouts, retries and the deadline sent to the callee
// are set per call (policy.go, deadline.go). log receives the resolver's lines about etcd being
// unreachable and reachable again.
func ClientOptions(cfg config.Etcd, timeouts config.Client, tracer opentracing.Tracer, log *slog.Logger, calls *metrics.RPC) ([]client.Option, error) {
	res, err := newResolver(cfg.Endpoints, log)
	if err != nil {
		return nil, fmt.Errorf("etcd resolver at %v: %w", cfg.Endpoints, err)
	}
	return append([]client.Option{
		client.WithResolver(res),
		// The suite starts a client span, passes its context over TTHeader and sets up TTHeader.
		client.WithSuite(kitexopentracing.NewClientSuite(tracer, operationName)),
		client.WithStatsLevel(stats.LevelBase), // see ServerOptions; also the level call metrics need
		client.WithTracer(calls.ClientTracer()),
		client.WithConnectTimeout(timeouts.ConnectTimeout),
		// Long connections, as many kept idle per instance as the fan-out of the busiest moment
		// needs (Kitex keeps 10 by default: a page of 8 parallel calls under load would open and
		// close connections all the time). Multiplexing is deprecated in Kitex.
		client.WithLongConnection(connpool.IdleConfig{
			MaxIdlePerAddress: timeouts.IdlePerAddress(),
			MaxIdleTimeout:    time.Minute,
		}),
	}, append(callPolicy(timeouts), balancing()...)...), nil
}

// operationName names spans "service::Method" after the callee.
func operationName(ctx context.Context) string {
	ri := rpcinfo.GetRPCInfo(ctx)
	if ri == nil {
		return "rpc"
	}
	return ri.To().ServiceName() + "::" + ri.To().Method()
}
