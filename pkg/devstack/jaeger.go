package devstack

import (
	"context"
	_ "embed" // for the Jaeger config
	"fmt"
	"os"
	"path/filepath"
)

// jaegerConfig is a Jaeger v2 config whose every listen address comes from a DEVSTACK_JAEGER_*
// variable, so that one file serves DefaultPorts and FreePorts alike.
//
//go:embed jaeger.yaml
var jaegerConfig string

// jaegerEnv sets the addresses jaeger.yaml reads.
func (s *Stack) jaegerEnv() []string {
	p := s.opts.Ports
	return []string{
		"DEVSTACK_JAEGER_QUERY_HTTP=" + loopback(p.JaegerQuery),
		"DEVSTACK_JAEGER_QUERY_GRPC=" + loopback(p.JaegerQueryGRPC),
		"DEVSTACK_JAEGER_COLLECTOR_HTTP=" + loopback(p.JaegerCollectorHTTP),
		"DEVSTACK_JAEGER_AGENT_COMPACT=" + loopback(p.JaegerAgentCompact),
		"DEVSTACK_JAEGER_HEALTH=" + loopback(p.JaegerHealth),
	}
}

// collectorURL is where jaeger-client-go posts spans over HTTP.
func (s *Stack) collectorURL() string {
	return "http://" + loopback(s.opts.Ports.JaegerCollectorHTTP) + "/api/traces"
}

// startJaeger writes the config to VarDir (Jaeger reads a file, not stdin) and starts bin/jaeger,
// ready once its health check answers 200, i.e. every component has started.
func (s *Stack) startJaeger(ctx context.Context) error {
	path := filepath.Join(s.opts.VarDir, "jaeger.yaml")
	if err := os.WriteFile(path, []byte(jaegerConfig), 0o644); err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	s.printf("starting jaeger (query %s, collector %s)", s.JaegerQueryURL(), s.collectorURL())
	health := s.httpOK("http://" + loopback(s.opts.Ports.JaegerHealth) + "/status")
	err := s.startChild(ctx, &child{
		name:  "jaeger",
		args:  []string{"--config=file:" + path},
		env:   s.jaegerEnv(),
		probe: func(context.Context) func(context.Context) error { return health },
	})
	if err != nil {
		return err
	}
	s.printf("jaeger ready")
	return nil
}
