package devstack

import (
	"context"
	"path/filepath"
)

// startServices starts the six RPC services one after the other, each ready once registered in
// etcd. One at a time keeps the error of a failing service free of the noise of the others.
func (s *Stack) startServices(ctx context.Context) error {
	for _, name := range serviceNames() {
		if err := s.startService(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func (s *Stack) startService(ctx context.Context, name string) error {
	if err := s.prepareService(ctx, name); err != nil {
		return err
	}
	addr := loopback(s.opts.Ports.Services[name])
	s.printf("starting %s on %s", name, addr)
	config := filepath.Join(s.opts.Root, "services", name, "config.yaml")
	err := s.startChild(ctx, &child{
		name:  name,
		args:  []string{"-config", config},
		env:   s.serviceEnv(name),
		probe: s.registered(name),
	})
	if err != nil {
		return err
	}
	s.printf("%s ready", name)
	return nil
}

// serviceEnv overrides what differs from the committed config: the ports, the MySQL server,
// account and schema, NATS (used by the video service) and the mode.
func (s *Stack) serviceEnv(name string) []string {
	return []string{
		"TIKTOK_LISTEN_ADDR=" + loopback(s.opts.Ports.Services[name]),
		"TIKTOK_ETCD_ENDPOINTS=" + loopback(s.opts.Ports.EtcdClient),
		"TIKTOK_JAEGER_COLLECTOR_URL=" + s.collectorURL(),
		"TIKTOK_MYSQL_DSN=" + s.runtimeDSN(name),
		"TIKTOK_MYSQL_DATABASE=" + s.opts.SchemaPrefix + name,
		"TIKTOK_ADMIN_ADDR=" + loopback(s.opts.Ports.Admin[name]),
		"TIKTOK_NATS_URL=" + s.NATSURL(),
		"TIKTOK_ENV=development",
	}
}

// startGateway starts the API gateway, ready once GET /healthz answers 200.
func (s *Stack) startGateway(ctx context.Context) error {
	s.printf("starting api-gateway on %s", s.GatewayURL())
	config := filepath.Join(s.opts.Root, "api-gateway", "config.yaml")
	health := s.httpOK(s.GatewayURL() + "/healthz")
	err := s.startChild(ctx, &child{
		name:  "api-gateway",
		args:  []string{"-config", config},
		env:   s.gatewayEnv(),
		probe: func(context.Context) func(context.Context) error { return health },
	})
	if err != nil {
		return err
	}
	s.printf("api-gateway ready")
	return nil
}

func (s *Stack) gatewayEnv() []string {
	return []string{
		"TIKTOK_HTTP_ADDR=" + loopback(s.opts.Ports.Gateway),
		"TIKTOK_ETCD_ENDPOINTS=" + loopback(s.opts.Ports.EtcdClient),
		"TIKTOK_JAEGER_COLLECTOR_URL=" + s.collectorURL(),
		"TIKTOK_PUBLIC_BASE_URL=" + s.GatewayURL(),
		"TIKTOK_MEDIA_DIR=" + s.mediaDir,
		"TIKTOK_ADMIN_ADDR=" + loopback(s.opts.Ports.GatewayAdmin),
		"TIKTOK_ENV=development",
	}
}
