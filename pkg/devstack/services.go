package devstack

import (
	"context"
	"path/filepath"
	"strings"
)

// startServices starts the six RPC services one after the other, each instance ready once
// registered in etcd: with two replicas, "user", "user-2", "video", .... One at a time keeps the
// error of a failing service free of the noise of the others.
func (s *Stack) startServices(ctx context.Context) error {
	for _, name := range serviceNames() {
		// One migration step and one runtime account per service, shared by its instances.
		if err := s.prepareService(ctx, name); err != nil {
			return err
		}
		for i := range s.replicas() {
			if err := s.startService(ctx, name, i); err != nil {
				return err
			}
		}
	}
	return nil
}

// startService starts instance i of the service called program.
func (s *Stack) startService(ctx context.Context, program string, i int) error {
	name := instanceName(program, i)
	s.printf("starting %s on %s", name, s.ServiceAddr(name))
	config := filepath.Join(s.opts.Root, "services", program, "config.yaml")
	c := &child{
		name:    name,
		program: program,
		args:    []string{"-config", config},
		env:     s.serviceEnv(program, i),
	}
	// Ready once this instance's own key is in etcd: the address it registers under is the one
	// it advertises, which Options.Env may set.
	c.probe = s.registered(program, func() string { return advertised(s.env(c)) })
	if err := s.startChild(ctx, c); err != nil {
		return err
	}
	s.printf("%s ready", name)
	return nil
}

// advertised is the address a service registers in etcd, given its environment: its
// TIKTOK_ADVERTISE_ADDR if set, else its listen address.
func advertised(env []string) string {
	if addr := lastEnv(env, "TIKTOK_ADVERTISE_ADDR"); addr != "" {
		return addr
	}
	return lastEnv(env, "TIKTOK_LISTEN_ADDR")
}

// lastEnv is the value the last entry for key in env gives it, as a process would read it.
func lastEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// serviceEnv overrides what differs from the committed config for instance i of a service: the
// ports, the MySQL server, account and schema (the same for every instance), NATS (used by the
// video service) and the mode.
func (s *Stack) serviceEnv(name string, i int) []string {
	return []string{
		"TIKTOK_LISTEN_ADDR=" + loopback(s.opts.Ports.service(name, i)),
		"TIKTOK_ETCD_ENDPOINTS=" + loopback(s.opts.Ports.EtcdClient),
		"TIKTOK_JAEGER_COLLECTOR_URL=" + s.collectorURL(),
		"TIKTOK_MYSQL_DSN=" + s.runtimeDSN(name),
		"TIKTOK_MYSQL_DATABASE=" + s.opts.SchemaPrefix + name,
		"TIKTOK_ADMIN_ADDR=" + loopback(s.opts.Ports.admin(name, i)),
		"TIKTOK_NATS_URL=" + s.NATSURL(),
		"TIKTOK_ENV=development",
	}
}

// startGateways starts the API gateway, and its second instance with two replicas, each ready
// once GET /healthz answers 200 on loopback (with LAN it listens on every interface, loopback
// included).
func (s *Stack) startGateways(ctx context.Context) error {
	secret, err := s.gatewaySecretEnv()
	if err != nil {
		return err
	}
	if s.Exposed() {
		s.printf("the gateways serve other machines (public URL %s); the other processes stay on loopback", s.PublicURL())
		if path := s.JWTSecretPath(); path != "" {
			s.printf("tokens are signed with the random secret kept in %s, not the development one", path)
		}
	}
	for i, url := range s.GatewayURLs() {
		name := instanceName(gatewayProgram, i)
		s.printf("starting %s on %s", name, s.gatewayListen(i))
		config := filepath.Join(s.opts.Root, "api-gateway", "config.yaml")
		health := s.httpOK(url + "/healthz")
		err := s.startChild(ctx, &child{
			name:    name,
			program: gatewayProgram,
			args:    []string{"-config", config},
			env:     append(s.gatewayEnv(i), secret...),
			probe:   func(context.Context) func(context.Context) error { return health },
		})
		if err != nil {
			return err
		}
		s.printf("%s ready", name)
	}
	return nil
}

// gatewayEnv is the environment of gateway instance i. Every gateway stores media in the same
// folder, so that each serves what another stored. The address it listens on and the base URL of
// the media it lists come from Options (LAN, PublicHost, PublicURL: public.go) and win over the
// caller's environment, whose TIKTOK_HTTP_ADDR or TIKTOK_PUBLIC_BASE_URL would not know the
// stack's ports (the devstack command turns PUBLIC_URL into Options.PublicURL).
func (s *Stack) gatewayEnv(i int) []string {
	return []string{
		"TIKTOK_HTTP_ADDR=" + s.gatewayListen(i),
		"TIKTOK_ETCD_ENDPOINTS=" + loopback(s.opts.Ports.EtcdClient),
		"TIKTOK_JAEGER_COLLECTOR_URL=" + s.collectorURL(),
		"TIKTOK_PUBLIC_BASE_URL=" + s.PublicURLs()[i],
		"TIKTOK_MEDIA_DIR=" + s.mediaDir,
		"TIKTOK_ADMIN_ADDR=" + loopback(s.opts.Ports.gatewayAdmin(i)),
		"TIKTOK_ENV=development",
	}
}
