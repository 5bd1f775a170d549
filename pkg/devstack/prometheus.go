package devstack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// prometheusConfig is deploy/prometheus/prometheus.yml with the stack's own ports: Prometheus
// scrapes itself and every process's admin port, and evaluates the shared alert rules at rules.
// With two replicas the job of each service and of the gateway has one target per instance.
func prometheusConfig(p Ports, replicas int, rules string) string {
	var b strings.Builder
	b.WriteString("# Written by devstack for the ports of this stack; see deploy/prometheus/prometheus.yml.\n")
	b.WriteString("global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\n")
	fmt.Fprintf(&b, "rule_files:\n  - %q\n", rules)
	b.WriteString("scrape_configs:\n")
	job := func(name string, port func(i int) int, instances int) {
		targets := make([]string, instances)
		for i := range targets {
			targets[i] = strconv.Quote(loopback(port(i)))
		}
		fmt.Fprintf(&b, "  - job_name: %s\n    static_configs:\n      - targets: [%s]\n", name, strings.Join(targets, ", "))
	}
	one := func(port int) func(int) int { return func(int) int { return port } }
	replicas = max(replicas, 1)
	job("prometheus", one(p.Prometheus), 1)
	job(gatewayProgram, p.gatewayAdmin, replicas)
	for _, name := range serviceNames() {
		job(name, func(i int) int { return p.admin(name, i) }, replicas)
	}
	job("media-worker", one(p.WorkerAdmin), 1)
	return b.String()
}

// startPrometheus writes its config to VarDir and starts bin/prometheus, keeping its data in
// VarDir/prometheus; ready once /-/ready answers 200. It starts before the services, so that it
// sees each of them come up.
func (s *Stack) startPrometheus(ctx context.Context) error {
	path := filepath.Join(s.opts.VarDir, "prometheus.yml")
	rules := filepath.Join(s.opts.Root, "deploy", "prometheus", "alerts.yml")
	if err := os.WriteFile(path, []byte(prometheusConfig(s.opts.Ports, s.replicas(), rules)), 0o644); err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	s.printf("starting prometheus (API %s)", s.PrometheusURL())
	ready := s.httpOK(s.PrometheusURL() + "/-/ready")
	err := s.startChild(ctx, &child{
		name: "prometheus",
		args: []string{
			"--config.file=" + path,
			"--web.listen-address=" + loopback(s.opts.Ports.Prometheus),
			"--storage.tsdb.path=" + filepath.Join(s.opts.VarDir, "prometheus"),
			"--storage.tsdb.retention.time=7d",
			"--enable-feature=exemplar-storage", // the trace ids of the latency histograms
		},
		probe: func(context.Context) func(context.Context) error { return ready },
	})
	if err != nil {
		return err
	}
	s.printf("prometheus ready")
	return nil
}
