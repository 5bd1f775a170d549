package devstack

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

type scrapeConfig struct {
	Global struct {
		ScrapeInterval     string `yaml:"scrape_interval"`
		EvaluationInterval string `yaml:"evaluation_interval"`
	} `yaml:"global"`
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

// What devstack writes for the default ports is the committed deploy/prometheus/prometheus.yml,
// whose rules file sits beside it: the two cannot drift apart.
func TestPrometheusConfigIsTheCommittedOne(t *testing.T) {
	var generated, committed scrapeConfig
	if err := yaml.Unmarshal([]byte(prometheusConfig(DefaultPorts(), 1, "alerts.yml")), &generated); err != nil {
		t.Fatalf("generated config: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "prometheus", "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &committed); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(generated, committed) {
		t.Fatalf("devstack writes\n%+v\nbut deploy/prometheus/prometheus.yml says\n%+v", generated, committed)
	}
	if len(generated.ScrapeConfigs) != 3+len(serviceNames()) {
		t.Fatalf("%d jobs; want Prometheus, the gateway, each service and the media worker", len(generated.ScrapeConfigs))
	}
}

// With free ports every process is scraped where it really listens.
func TestPrometheusConfigFollowsThePorts(t *testing.T) {
	p := DefaultPorts()
	p.GatewayAdmin, p.Admin["video"], p.Prometheus, p.WorkerAdmin = 40001, 40002, 40003, 40004
	var c scrapeConfig
	if err := yaml.Unmarshal([]byte(prometheusConfig(p, 1, "/repo/deploy/prometheus/alerts.yml")), &c); err != nil {
		t.Fatal(err)
	}
	targets := map[string]string{}
	for _, sc := range c.ScrapeConfigs {
		targets[sc.JobName] = sc.StaticConfigs[0].Targets[0]
	}
	for job, want := range map[string]string{"api-gateway": "127.0.0.1:40001", "video": "127.0.0.1:40002", "media-worker": "127.0.0.1:40004",
		"prometheus": "127.0.0.1:40003", "user": "127.0.0.1:9881"} {
		if targets[job] != want {
			t.Errorf("job %s scrapes %q; want %q", job, targets[job], want)
		}
	}
	if len(c.RuleFiles) != 1 || c.RuleFiles[0] != "/repo/deploy/prometheus/alerts.yml" {
		t.Errorf("rule_files = %v", c.RuleFiles)
	}
}
