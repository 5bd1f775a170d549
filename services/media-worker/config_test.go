package main

import (
	"strings"
	"testing"
	"time"

	"simpletiktok/pkg/config"
)

func TestCommittedConfig(t *testing.T) {
	var c workerConfig
	if err := config.Load("config.yaml", &c); err != nil {
		t.Fatal(err)
	}
	w := c.Worker
	if w.Concurrency != 2 || w.MaxAttempts != 5 || w.AckWait != 30*time.Second || c.NATS.URL != "nats://127.0.0.1:4223" ||
		c.Media.FFmpeg != "ffmpeg" || c.Admin.Listen != "127.0.0.1:9887" {
		t.Fatalf("config = %+v", c)
	}
}

func TestConfigOverridesAndChecks(t *testing.T) {
	t.Setenv("TIKTOK_WORKER_CONCURRENCY", "4")
	t.Setenv("TIKTOK_WORKER_ACK_WAIT", "3s")
	t.Setenv("TIKTOK_MEDIA_STORAGE", "local")
	var c workerConfig
	if err := config.Load("config.yaml", &c); err != nil || c.Worker.Concurrency != 4 || c.Worker.AckWait != 3*time.Second {
		t.Fatalf("Load = %v, worker %+v", err, c.Worker)
	}
	t.Setenv("TIKTOK_WORKER_CONCURRENCY", "0")
	t.Setenv("TIKTOK_WORKER_MAX_ATTEMPTS", "0")
	t.Setenv("TIKTOK_NATS_URL", "")
	t.Setenv("TIKTOK_FFMPEG", "")
	t.Setenv("TIKTOK_WORKER_RETRY_MAX", "1s")
	err := config.Load("config.yaml", &c)
	for _, want := range []string{"worker.concurrency", "worker.max_attempts", "nats.url", "media.ffmpeg", "worker.retry_max"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load = %v; want an error naming %s", err, want)
		}
	}
}
