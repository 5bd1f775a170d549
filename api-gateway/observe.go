package main

import (
	"context"
	"net"
	"time"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/metrics"
)

// observability is the gateway's own metrics, on the process's registry: the sets the HTTP
// middleware, the use cases and the merged reads record on.
type observability struct {
	http   *metrics.HTTP
	events *metrics.Business
	merged *metrics.Merged
}

func newObservability(cfg gatewayConfig, p *bootstrap.Process) (*observability, error) {
	o := &observability{}
	var err error
	if o.http, err = metrics.NewHTTP(p.Metrics); err != nil {
		return nil, err
	}
	if o.events, err = metrics.NewBusiness(p.Metrics); err != nil {
		return nil, err
	}
	if o.merged, err = metrics.NewMerged(p.Metrics); err != nil {
		return nil, err
	}
	// Ready once the public port takes connections; Hertz binds it after its start hooks, so the
	// admin port comes up first and says "not ready" until then.
	addr := dialable(cfg.HTTP.Addr)
	p.Admin.AddCheck("http", func(ctx context.Context) error {
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
