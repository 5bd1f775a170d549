//go:build integration

package deploy

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// docker-compose refuses to run without each secret, naming it: no committed secret (the
// development JWT secret, a development password) can end up in a published system.
func TestComposeRequiresItsSecrets(t *testing.T) {
	root := repoRoot(t)
	for _, v := range composeSecrets {
		cmd := exec.Command("docker-compose", "-f", "docker-compose.yml", "config", "-q")
		cmd.Dir = root
		cmd.Env = composeEnv(v)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "set "+v) {
			t.Errorf("docker-compose config without %s: %v, %q; want a refusal naming it", v, err, out)
		}
	}
	f := loadCompose(t, root)
	if got := f.Services["api-gateway"].Environment["TIKTOK_JWT_SECRET"]; got != placeholderSecret {
		t.Errorf("the gateway's JWT secret = %q; want the one given", got)
	}
	for name, svc := range f.Services {
		for k, v := range svc.Environment {
			if strings.Contains(v, "dev-only") || strings.Contains(v, "dev-password") || strings.Contains(v, "dev-secret") {
				t.Errorf("%s: %s holds a committed development secret", name, k)
			}
		}
	}
}

// The services, etcd and MySQL answer anyone who reaches them, so they sit on an internal network
// alone; only the gateway and the UIs published on loopback (Jaeger, Prometheus, Grafana) are also
// on the edge.
func TestComposeKeepsTheBackendInternal(t *testing.T) {
	f := loadCompose(t, repoRoot(t))
	if n, ok := f.Networks["backend"]; !ok || !n.Internal {
		t.Fatalf("networks = %+v; want an internal backend network", f.Networks)
	}
	edge := []string{"api-gateway", "jaeger", "prometheus", "grafana"}
	for name, svc := range f.Services {
		var nets []string
		for n := range svc.Networks {
			nets = append(nets, n)
		}
		slices.Sort(nets)
		want := []string{"backend"}
		if slices.Contains(edge, name) {
			want = []string{"backend", "edge"}
		}
		if !slices.Equal(nets, want) {
			t.Errorf("%s is on networks %v; want %v", name, nets, want)
		}
	}
	s3 := loadComposeS3(t, repoRoot(t)).Services["seaweedfs"]
	if _, ok := s3.Networks["backend"]; !ok || len(s3.Networks) != 1 {
		t.Errorf("seaweedfs is on networks %v; want backend only", s3.Networks)
	}
}
