package main

import (
	"strings"
	"testing"

	"simpletiktok/pkg/config"
)

func TestCommittedMediaConfig(t *testing.T) {
	var c gatewayConfig
	if err := config.Load("config.yaml", &c); err != nil {
		t.Fatal(err)
	}
	if c.Media.MaxUploadBytes != 100<<20 || c.Media.FFprobe != "ffprobe" || c.Media.FFmpeg != "ffmpeg" || c.Media.ToolTimeout <= 0 {
		t.Fatalf("media config = %+v", c.Media)
	}
}

func TestMediaConfigOverridesAndChecks(t *testing.T) {
	t.Setenv("TIKTOK_MEDIA_MAX_UPLOAD_BYTES", "2048")
	t.Setenv("TIKTOK_MEDIA_DIR", "/srv/media")
	var c gatewayConfig
	if err := config.Load("config.yaml", &c); err != nil || c.Media.MaxUploadBytes != 2048 || c.Media.Dir != "/srv/media" {
		t.Fatalf("Load = %v, media %+v", err, c.Media)
	}
	t.Setenv("TIKTOK_MEDIA_MAX_UPLOAD_BYTES", "0")
	t.Setenv("TIKTOK_FFPROBE", "")
	err := config.Load("config.yaml", &c)
	if err == nil || !strings.Contains(err.Error(), "media.max_upload_bytes") || !strings.Contains(err.Error(), "media.ffprobe") {
		t.Fatalf("Load = %v; want errors naming media.max_upload_bytes and media.ffprobe", err)
	}
}
