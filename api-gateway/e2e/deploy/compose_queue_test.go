//go:build integration

package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// NATS keeps the media jobs on a volume of its own and is healthy only once JetStream answers;
// the video service publishes to it and the media worker, built from the repository with ffmpeg,
// consumes from it and shares the gateway's media volume.
func TestComposeRunsTheMediaPipeline(t *testing.T) {
	root := repoRoot(t)
	f := loadCompose(t, root)

	n, ok := f.Services["nats"]
	if !ok {
		t.Fatal("no nats service")
	}
	if !strings.HasPrefix(n.Image, "nats:") || strings.Count(n.Image, ".") < 2 {
		t.Errorf("nats image %q; want a tag pinned to a patch release", n.Image)
	}
	if !slices.Contains(n.Command, "--jetstream") || !slices.Contains(n.Command, "--store_dir") {
		t.Errorf("nats command %v; want JetStream with a store folder", n.Command)
	}
	store := n.Command[slices.Index(n.Command, "--store_dir")+1]
	if _, declared := f.Volumes["nats-data"]; !declared || !slices.Contains(n.Volumes, "nats-data:"+store+":rw") {
		t.Errorf("nats volumes %v; want the declared nats-data volume on its store folder %s", n.Volumes, store)
	}
	if n.Healthcheck == nil || !strings.Contains(strings.Join(n.Healthcheck.Test, " "), "js-enabled-only=true") {
		t.Errorf("nats health check %v; want one that waits for JetStream", n.Healthcheck)
	}

	const natsURL = "nats://nats:4222"
	if got := f.Services["video"].Environment["TIKTOK_NATS_URL"]; got != natsURL {
		t.Errorf("video: TIKTOK_NATS_URL = %q; want %q", got, natsURL)
	}

	w, ok := f.Services["media-worker"]
	if !ok {
		t.Fatal("no media-worker service")
	}
	if w.Build == nil || w.Build.Context != root || w.Build.Dockerfile != "services/media-worker/Dockerfile" {
		t.Errorf("media-worker build = %+v; want services/media-worker/Dockerfile from the repository root", w.Build)
	} else {
		checkDockerfile(t, root, w.Build.Dockerfile, "media-worker", nil)
		raw, err := os.ReadFile(filepath.Join(root, w.Build.Dockerfile))
		if err != nil || !strings.Contains(string(raw), "apk add --no-cache ffmpeg") {
			t.Errorf("the media worker's image needs ffmpeg (%v)", err)
		}
	}
	env := w.Environment
	if env["TIKTOK_NATS_URL"] != natsURL || env["TIKTOK_ETCD_ENDPOINTS"] != "etcd:2379" {
		t.Errorf("media-worker environment = %v", env)
	}
	gwMedia := f.Services["api-gateway"].Environment["TIKTOK_MEDIA_DIR"]
	if env["TIKTOK_MEDIA_DIR"] != gwMedia || !slices.Contains(w.Volumes, "media:"+gwMedia+":rw") {
		t.Errorf("media-worker: media dir %q, volumes %v; want the gateway's media volume on %q", env["TIKTOK_MEDIA_DIR"], w.Volumes, gwMedia)
	}
	for _, dep := range []string{"nats", "video", "etcd", "jaeger"} {
		if w.DependsOn[dep].Condition != "service_healthy" {
			t.Errorf("media-worker depends_on %s: %q; want service_healthy", dep, w.DependsOn[dep].Condition)
		}
	}
	known := workerVariables(t, root)
	for k := range env {
		if strings.HasPrefix(k, "TIKTOK_") && !slices.Contains(known, k) {
			t.Errorf("media-worker sets %s, which its config does not read", k)
		}
	}
}

// Under the S3 override the worker reads and writes the same bucket as the gateway.
func TestComposeS3OverrideMovesTheWorkerToo(t *testing.T) {
	f := loadComposeS3(t, repoRoot(t))
	gw, w := f.Services["api-gateway"].Environment, f.Services["media-worker"].Environment
	for _, k := range []string{"TIKTOK_MEDIA_STORAGE", "TIKTOK_S3_ENDPOINT", "TIKTOK_S3_BUCKET", "TIKTOK_S3_ACCESS_KEY", "TIKTOK_S3_SECRET_KEY", "TIKTOK_S3_PATH_STYLE"} {
		if w[k] == "" || w[k] != gw[k] {
			t.Errorf("media-worker %s = %q; want the gateway's %q", k, w[k], gw[k])
		}
	}
	if f.Services["media-worker"].DependsOn["seaweedfs"].Condition != "service_healthy" {
		t.Error("media-worker does not wait for seaweedfs")
	}
}
