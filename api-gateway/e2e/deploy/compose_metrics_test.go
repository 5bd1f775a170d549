//go:build integration

package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// promConfig is the part of a Prometheus configuration the checks read.
type promConfig struct {
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
		DNSSDConfigs []dnsSDConfig `yaml:"dns_sd_configs"`
	} `yaml:"scrape_configs"`
}

type dnsSDConfig struct {
	Names []string `yaml:"names"`
	Type  string   `yaml:"type"`
	Port  int      `yaml:"port"`
}

func loadPromConfig(t *testing.T, root, path string) promConfig {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	var c promConfig
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

// targets maps each job to its static targets.
func (c promConfig) targets() map[string][]string {
	m := map[string][]string{}
	for _, sc := range c.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			m[sc.JobName] = append(m[sc.JobName], st.Targets...)
		}
	}
	return m
}

// jobs lists the jobs in the order of the file.
func (c promConfig) jobs() []string {
	var out []string
	for _, sc := range c.ScrapeConfigs {
		out = append(out, sc.JobName)
	}
	return out
}

// dnsSD maps each job to its DNS service discovery configs.
func (c promConfig) dnsSD() map[string][]dnsSDConfig {
	m := map[string][]dnsSDConfig{}
	for _, sc := range c.ScrapeConfigs {
		m[sc.JobName] = append(m[sc.JobName], sc.DNSSDConfigs...)
	}
	return m
}

// Every process serves its admin port inside the network; Prometheus scrapes each one there under
// the process's name, and the health check asks the same port whether the process is ready. The
// media workers scale (`--scale media-worker=3`): Prometheus finds each replica by DNS (type A on
// the service name, which compose's DNS answers with every replica's address), so none is missed.
func TestComposeScrapesEveryProcessOnItsAdminPort(t *testing.T) {
	root := repoRoot(t)
	f := loadCompose(t, root)
	prom := loadPromConfig(t, root, "deploy/prometheus/prometheus.compose.yml")
	targets, dnsSD := prom.targets(), prom.dnsSD()
	processes := append(appServices(), "media-worker")
	for i, name := range processes {
		port := 9881 + i
		switch name {
		case "api-gateway":
			port = 9080
		case "media-worker":
			port = 9887
		}
		svc := f.Services[name]
		if got, want := svc.Environment["TIKTOK_ADMIN_ADDR"], fmt.Sprintf("0.0.0.0:%d", port); got != want {
			t.Errorf("%s: TIKTOK_ADMIN_ADDR = %q; want %q", name, got, want)
		}
		if name == "media-worker" {
			want := []dnsSDConfig{{Names: []string{name}, Type: "A", Port: port}}
			if !slices.EqualFunc(dnsSD[name], want, func(a, b dnsSDConfig) bool {
				return slices.Equal(a.Names, b.Names) && a.Type == b.Type && a.Port == b.Port
			}) || len(targets[name]) != 0 {
				t.Errorf("Prometheus job %s: DNS discovery %+v, static targets %v; want %+v alone, so that every scaled worker is scraped",
					name, dnsSD[name], targets[name], want)
			}
		} else if want := []string{fmt.Sprintf("%s:%d", name, port)}; !slices.Equal(targets[name], want) || len(dnsSD[name]) != 0 {
			t.Errorf("Prometheus job %s scrapes %v (DNS discovery %+v); want the static %v", name, targets[name], dnsSD[name], want)
		}
		if hc := svc.Healthcheck; hc == nil || !strings.Contains(strings.Join(hc.Test, " "), fmt.Sprintf("http://127.0.0.1:%d/readyz", port)) {
			t.Errorf("%s: health check %v; want it to ask /readyz on the admin port %d", name, hc, port)
		}
		if got := committedAdminPort(t, root, name); got != port {
			t.Errorf("%s: admin.listen of its committed config is on port %d; want %d, as make run and compose use", name, got, port)
		}
	}
	if jobs := prom.jobs(); len(jobs) != len(processes)+1 || !slices.Contains(jobs, "prometheus") {
		t.Errorf("Prometheus jobs %v; want one per process and Prometheus itself", jobs)
	}
	p := f.Services["prometheus"]
	if !slices.Equal(prom.RuleFiles, []string{"alerts.yml"}) {
		t.Errorf("rule_files = %v; want alerts.yml beside the config", prom.RuleFiles)
	}
	for _, mount := range []string{
		filepath.Join(root, "deploy/prometheus/prometheus.compose.yml") + ":/etc/prometheus/prometheus.yml:ro",
		filepath.Join(root, "deploy/prometheus/alerts.yml") + ":/etc/prometheus/alerts.yml:ro",
	} {
		if !slices.Contains(p.Volumes, mount) {
			t.Errorf("prometheus volumes %v lack %s", p.Volumes, mount)
		}
	}
	for _, name := range []string{"prometheus", "grafana"} {
		if img := f.Services[name].Image; img == "" || strings.HasSuffix(img, ":latest") || !strings.Contains(img, ":") {
			t.Errorf("%s image %q; want a pinned version", name, img)
		}
	}
}

// Grafana's data source and dashboards come from the repository: the provider reads the folder
// the dashboards are mounted on, and every panel queries the provisioned data source.
func TestComposeProvisionsGrafanaFromTheRepository(t *testing.T) {
	root := repoRoot(t)
	f := loadCompose(t, root)
	g := f.Services["grafana"]
	var provider struct {
		Providers []struct {
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, root, "deploy/grafana/provisioning/dashboards/dashboards.yml", &provider)
	if len(provider.Providers) != 1 {
		t.Fatalf("dashboard providers: %+v; want one", provider.Providers)
	}
	wantMounts := []string{
		filepath.Join(root, "deploy/grafana/provisioning") + ":/etc/grafana/provisioning:ro",
		filepath.Join(root, "deploy/grafana/dashboards") + ":" + provider.Providers[0].Options.Path + ":ro",
	}
	for _, m := range wantMounts {
		if !slices.Contains(g.Volumes, m) {
			t.Errorf("grafana volumes %v lack %s", g.Volumes, m)
		}
	}
	var ds struct {
		Datasources []struct {
			UID string `yaml:"uid"`
			URL string `yaml:"url"`
		} `yaml:"datasources"`
	}
	readYAML(t, root, "deploy/grafana/provisioning/datasources/prometheus.yml", &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].URL != "http://prometheus:9090" {
		t.Fatalf("data sources %+v; want the compose Prometheus", ds.Datasources)
	}
	for _, d := range loadDashboards(t, root) {
		for _, p := range d.panels() {
			if p.Type != "row" && p.Datasource.UID != ds.Datasources[0].UID {
				t.Errorf("%s: panel %q uses data source %q; want %q", d.file, p.Title, p.Datasource.UID, ds.Datasources[0].UID)
			}
		}
	}
}

func readYAML(t *testing.T, root, path string, dst any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, dst); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// Kubernetes' Prometheus evaluates the same alert rules: kustomize reads no file outside its
// folder, so it keeps a copy, which must not drift.
func TestKubernetesPrometheusSharesTheAlertRules(t *testing.T) {
	root := repoRoot(t)
	want, err := os.ReadFile(filepath.Join(root, "deploy/prometheus/alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "deploy/kubernetes/base/prometheus/alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("deploy/kubernetes/base/prometheus/alerts.yml differs from deploy/prometheus/alerts.yml: copy it again")
	}
	if prom := loadPromConfig(t, root, "deploy/kubernetes/base/prometheus/prometheus.yml"); !slices.Equal(prom.RuleFiles, []string{"alerts.yml"}) {
		t.Fatalf("rule_files = %v; want alerts.yml", prom.RuleFiles)
	}
}

// committedAdminPort is the port of admin.listen in the committed config of process.
func committedAdminPort(t *testing.T, root, process string) int {
	t.Helper()
	path := filepath.Join("services", process, "config.yaml")
	if process == "api-gateway" {
		path = filepath.Join("api-gateway", "config.yaml")
	}
	var cfg struct {
		Admin struct {
			Listen string `yaml:"listen"`
		} `yaml:"admin"`
	}
	readYAML(t, root, path, &cfg)
	_, port, _ := strings.Cut(cfg.Admin.Listen, ":")
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("%s: admin.listen %q has no port", path, cfg.Admin.Listen)
	}
	return n
}
