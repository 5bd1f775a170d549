package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/mediastore"
)

func TestCommittedMediaConfig(t *testing.T) {
	var c gatewayConfig
	if err := config.Load("config.yaml", &c); err != nil {
		t.Fatal(err)
	}
	// make run keeps media in the local folder.
	if c.Media.Storage != "local" || c.Media.MaxUploadBytes != 100<<20 || c.Media.FFprobe != "ffprobe" || c.Media.ProbeTimeout <= 0 ||
		c.Media.MaxWidth != 1920 || c.Media.MaxHeight != 1920 || c.Media.MaxDuration != 10*time.Minute ||
		c.Media.SpoolBytes != 1<<30 || c.Media.UnverifiedSpoolBytes != 256<<20 {
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
	t.Setenv("TIKTOK_MEDIA_MAX_DURATION", "90s")
	t.Setenv("TIKTOK_MEDIA_MAX_WIDTH", "1280")
	if err := config.Load("config.yaml", &c); err != nil || c.Media.MaxDuration != 90*time.Second || c.Media.MaxWidth != 1280 {
		t.Fatalf("Load = %v, media %+v", err, c.Media)
	}
	t.Setenv("TIKTOK_MEDIA_MAX_UPLOAD_BYTES", "0")
	t.Setenv("TIKTOK_FFPROBE", "")
	t.Setenv("TIKTOK_MEDIA_MAX_HEIGHT", "0")
	t.Setenv("TIKTOK_MEDIA_UNVERIFIED_SPOOL_BYTES", "2147483648") // more than the whole spool
	err := config.Load("config.yaml", &c)
	for _, key := range []string{"media.max_upload_bytes", "media.ffprobe", "media.max_height", "media.unverified_spool_bytes"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Fatalf("Load = %v; want an error naming %s", err, key)
		}
	}
}

func TestMediaStorageS3Config(t *testing.T) {
	t.Setenv("TIKTOK_MEDIA_STORAGE", "s3")
	t.Setenv("TIKTOK_S3_ENDPOINT", "http://127.0.0.1:8333")
	t.Setenv("TIKTOK_S3_BUCKET", "media-test")
	t.Setenv("TIKTOK_S3_ACCESS_KEY", "gateway")
	t.Setenv("TIKTOK_S3_SECRET_KEY", "a-secret-of-the-operator")
	t.Setenv("TIKTOK_S3_CREATE_BUCKET", "true")
	var c gatewayConfig
	if err := config.Load("config.yaml", &c); err != nil {
		t.Fatal(err)
	}
	want := mediastore.S3Config{Endpoint: "http://127.0.0.1:8333", Region: "us-east-1", Bucket: "media-test",
		AccessKey: "gateway", SecretKey: "a-secret-of-the-operator", PathStyle: true, CreateBucket: true}
	if c.Media.Storage != "s3" || c.Media.S3.Options() != want {
		t.Fatalf("media = %+v; want storage s3 and %+v", c.Media, want)
	}

	cases := []struct {
		env  map[string]string
		want string // a piece of the error
	}{
		{map[string]string{"TIKTOK_MEDIA_STORAGE": "gcs"}, `media.storage: "gcs"`},
		{map[string]string{"TIKTOK_S3_ENDPOINT": "127.0.0.1:8333"}, "media.s3.endpoint"},
		{map[string]string{"TIKTOK_S3_ENDPOINT": "http://127.0.0.1:8333/bucket"}, "media.s3.endpoint"},
		{map[string]string{"TIKTOK_S3_BUCKET": "Media_Test"}, "media.s3.bucket"},
		{map[string]string{"TIKTOK_S3_REGION": ""}, "media.s3.region"},
		{map[string]string{"TIKTOK_S3_SECRET_KEY": ""}, "TIKTOK_S3_SECRET_KEY"},
		{map[string]string{"TIKTOK_S3_ACCESS_KEY": ""}, "TIKTOK_S3_ACCESS_KEY"},
		{map[string]string{"TIKTOK_ENV": "production", "TIKTOK_JWT_SECRET": strings.Repeat("j", 40),
			"TIKTOK_S3_SECRET_KEY": mediastore.DevS3SecretKey}, "production needs its own S3 secret"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var c gatewayConfig
			err := config.Load("config.yaml", &c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load = %v; want an error naming %q", err, tc.want)
			}
		})
	}
}

// The keys are read from the environment only: a config file that holds one is refused.
func TestS3KeysAreNotReadFromTheFile(t *testing.T) {
	raw, err := os.ReadFile("config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	withKey := strings.Replace(string(raw), "    region: us-east-1\n", "    region: us-east-1\n    secret_key: in-the-file\n", 1)
	if withKey == string(raw) {
		t.Fatal("config.yaml has no media.s3.region line to put a key beside")
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(withKey), 0o600); err != nil {
		t.Fatal(err)
	}
	var c gatewayConfig
	if err := config.Load(path, &c); err == nil || !strings.Contains(err.Error(), "secret_key") {
		t.Fatalf("Load = %v; want the file's secret_key refused", err)
	}
}
