package main

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"simpletiktok/pkg/metrics"
)

// observability is the gateway's metrics: the registry its admin server serves and the sets the
// HTTP middleware, the RPC clients and the use cases record on.
type observability struct {
	registry *prometheus.Registry
	http     *metrics.HTTP
	calls    *metrics.RPC
	events   *metrics.Business
	merged   *metrics.Merged
	admin    *metrics.Admin
}

func newObservability(cfg gatewayConfig, log *slog.Logger) (*observability, error) {
	o := &observability{registry: metrics.NewRegistry()}
	var err error
	if o.http, err = metrics.NewHTTP(o.registry); err != nil {
		return nil, err
	}
	if o.calls, err = metrics.NewRPC(o.registry); err != nil {
		return nil, err
	}
	if o.events, err = metrics.NewBusiness(o.registry); err != nil {
		return nil, err
	}
	if o.merged, err = metrics.NewMerged(o.registry); err != nil {
		return nil, err
	}
	o.admin = metrics.NewAdmin(cfg.Admin.Listen, o.registry, log)
	// Ready once the public port takes connections; Hertz binds it after its start hooks, so the
	// admin port comes up first and says "not ready" until then.
	addr := dialable(cfg.HTTP.Addr)
	o.admin.AddCheck("http", func(ctx context.Context) error {
		conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		return conn.Close()
	})
	return o, nil
}

// dialable is the address to dial to reach a server listening on addr: a wildcard host means
// this machine.
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
