//go:build integration

package deploy

import (
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// loadComposeS3 validates the main file with docker-compose.s3.yml over it and returns the
// resolved result, with the environment reduced as loadCompose does.
func loadComposeS3(t *testing.T, root string) composeFile {
	t.Helper()
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Fatal("docker-compose is missing: apt-get install -y docker-compose (or run .ci/run)")
	}
	cmd := exec.Command("docker-compose", "-f", "docker-compose.yml", "-f", "docker-compose.s3.yml", "config")
	cmd.Dir = root
	cmd.Env = composeEnv()
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("docker-compose with docker-compose.s3.yml: %v\n%s", err, stderr)
	}
	var f composeFile
	if err := yaml.Unmarshal(out, &f); err != nil {
		t.Fatalf("docker-compose config output: %v", err)
	}
	return f
}

// With the override, the gateway keeps media in the bucket of a SeaweedFS service that is
// healthy before the gateway starts, unpublished, persistent, pinned, and that knows the keys the
// gateway signs with.
func TestComposeS3OverrideRunsTheGatewayOnObjectStorage(t *testing.T) {
	root := repoRoot(t)
	f := loadComposeS3(t, root)
	s3, ok := f.Services["seaweedfs"]
	if !ok {
		t.Fatal("docker-compose.s3.yml adds no seaweedfs service")
	}
	if !strings.HasPrefix(s3.Image, "chrislusf/seaweedfs:") || strings.HasSuffix(s3.Image, ":latest") {
		t.Errorf("seaweedfs image %q; want a pinned tag", s3.Image)
	}
	if len(s3.Ports) != 0 {
		t.Errorf("seaweedfs publishes ports; its S3 API is for the gateway only")
	}
	if s3.Healthcheck == nil || s3.Restart != "unless-stopped" {
		t.Errorf("seaweedfs: health check %v, restart %q", s3.Healthcheck, s3.Restart)
	}
	if _, declared := f.Volumes["s3-data"]; !declared || !slices.Contains(s3.Volumes, "s3-data:/data:rw") {
		t.Errorf("seaweedfs volumes %v; want the declared s3-data volume on /data", s3.Volumes)
	}
	if !slices.Contains(s3.Command, "-s3") || !slices.Contains(s3.Command, "-master.telemetry=false") {
		t.Errorf("seaweedfs command %v; want the S3 API on and telemetry off", s3.Command)
	}

	gw := f.Services["api-gateway"]
	env := gw.Environment
	if env["TIKTOK_MEDIA_STORAGE"] != "s3" || gw.DependsOn["seaweedfs"].Condition != "service_healthy" {
		t.Errorf("gateway: storage %q, depends_on seaweedfs %q; want s3 once seaweedfs is healthy",
			env["TIKTOK_MEDIA_STORAGE"], gw.DependsOn["seaweedfs"].Condition)
	}
	u, err := url.Parse(env["TIKTOK_S3_ENDPOINT"])
	if err != nil || u.Scheme != "http" || u.Hostname() != "seaweedfs" || !slices.Contains(s3.Command, "-s3.port="+u.Port()) {
		t.Errorf("TIKTOK_S3_ENDPOINT = %q; want the seaweedfs service on the port its -s3.port names (%v)", env["TIKTOK_S3_ENDPOINT"], s3.Command)
	}
	if env["TIKTOK_S3_ACCESS_KEY"] == "" || env["TIKTOK_S3_ACCESS_KEY"] != s3.Environment["AWS_ACCESS_KEY_ID"] ||
		env["TIKTOK_S3_SECRET_KEY"] == "" || env["TIKTOK_S3_SECRET_KEY"] != s3.Environment["AWS_SECRET_ACCESS_KEY"] {
		t.Errorf("the gateway's S3 keys are not the identity seaweedfs is given")
	}
	known := gatewayVariables(t, root, configVariables(t, root, "pkg/config/sections.go"))
	for k := range env {
		if strings.HasPrefix(k, "TIKTOK_") && !slices.Contains(known, k) {
			t.Errorf("the gateway is given %s, which its config does not read", k)
		}
	}
}
