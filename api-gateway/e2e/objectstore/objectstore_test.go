//go:build integration

// Package objectstore runs the real stack with the gateway and the media worker on object storage
// (media.storage: s3, set through the environment as docker-compose.s3.yml does) against a real
// SeaweedFS, and publishes and plays a video as the phone does.
package objectstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/pkg/devstack"
	"simpletiktok/pkg/mediastore/seaweedtest"
)

const bucket = "e2e-media"

var services = []string{"user", "video", "favorite", "comment", "relation", "message"}

func TestPublishAndPlayFromTheBucket(t *testing.T) {
	root := repoRoot(t)
	weed := seaweedtest.Start(t, root)
	ports, err := devstack.FreePorts()
	if err != nil {
		t.Fatal(err)
	}
	varDir := t.TempDir()
	prefix := dbtest.SchemaName("s3e2e") + "_"
	t.Cleanup(func() {
		for _, s := range services {
			_ = db.DropSchema(context.Background(), dbtest.DSN(), prefix+s)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stack, err := devstack.Start(ctx, devstack.Options{
		Root: root, VarDir: varDir, MySQLDSN: dbtest.DSN(), SchemaPrefix: prefix, Ports: ports,
		ExtraEnv: []string{
			"TIKTOK_MEDIA_STORAGE=s3",
			"TIKTOK_S3_ENDPOINT=" + weed.Endpoint,
			"TIKTOK_S3_BUCKET=" + bucket,
			"TIKTOK_S3_CREATE_BUCKET=true",
			"TIKTOK_S3_ACCESS_KEY=" + seaweedtest.AccessKey,
			"TIKTOK_S3_SECRET_KEY=" + seaweedtest.SecretKey,
		},
	})
	if err != nil {
		t.Fatalf("start the stack (logs in %s): %v", filepath.Join(varDir, "log"), err)
	}
	defer stack.Stop()
	base := stack.GatewayURL()

	reg := call(t, http.MethodPost, base+"/douyin/user/register/?"+url.Values{
		"username": {"s3-" + prefix[len(prefix)-9:len(prefix)-1]}, "password": {"secret1"}}.Encode(), nil, "")
	token, _ := reg["token"].(string)
	video := sampleVideo(t)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("token", token)
	w.WriteField("title", "from the bucket")
	fw, _ := w.CreateFormFile("data", "clip.mp4")
	fw.Write(video)
	w.Close()
	call(t, http.MethodPost, base+"/douyin/publish/action/", &body, w.FormDataContentType())

	// The media worker, on the same bucket, makes the cover after the publish has answered; until
	// then the fallback cover shows. On this stack that takes well under a second.
	var play, cover string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		list := call(t, http.MethodGet, base+"/douyin/publish/list/?"+url.Values{
			"token": {token}, "user_id": {fmt.Sprint(reg["user_id"])}}.Encode(), nil, "")
		videos, _ := list["video_list"].([]any)
		if len(videos) != 1 {
			t.Fatalf("publish list holds %d videos; want the one published", len(videos))
		}
		v := videos[0].(map[string]any)
		play, cover = v["play_url"].(string), v["cover_url"].(string)
		if cover != base+"/static/cover.jpg" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the video still shows the fallback cover after 30 s (logs in %s)", stack.LogDir())
		}
	}
	if !strings.HasPrefix(play, base+"/media/") || !strings.HasPrefix(cover, base+"/media/") {
		t.Fatalf("play_url %q, cover_url %q; want media served by the gateway", play, cover)
	}

	// The media are in the bucket, not in the gateway's folder, and come back through the gateway.
	admin, err := weed.Client(seaweedtest.AccessKey, seaweedtest.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{play, cover} {
		key := u[strings.LastIndexByte(u, '/')+1:]
		if _, err := admin.StatObject(context.Background(), bucket, key, minio.StatObjectOptions{}); err != nil {
			t.Errorf("%s is not in the bucket: %v", key, err)
		}
		if _, err := os.Stat(filepath.Join(varDir, "media", key)); err == nil {
			t.Errorf("%s was also written to the local media folder", key)
		}
	}
	status, got := fetch(t, play, "")
	if status != http.StatusOK || !bytes.Equal(got, video) {
		t.Fatalf("GET play_url: HTTP %d, %d bytes; want the %d bytes uploaded", status, len(got), len(video))
	}
	status, got = fetch(t, play, "bytes=100-199")
	if status != http.StatusPartialContent || !bytes.Equal(got, video[100:200]) {
		t.Fatalf("GET play_url with a range: HTTP %d, %d bytes; want bytes 100-199", status, len(got))
	}
	status, got = fetch(t, cover, "")
	if _, err := jpeg.Decode(bytes.NewReader(got)); status != http.StatusOK || err != nil {
		t.Fatalf("GET cover_url: HTTP %d, %v", status, err)
	}
}

// call sends one request and returns its JSON answer, which must be a success.
func call(t *testing.T, method, u string, body io.Reader, contentType string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&answer); err != nil {
		t.Fatalf("%s %s: HTTP %d, not JSON: %v", method, req.URL.Path, resp.StatusCode, err)
	}
	if answer["status_code"] != json.Number("0") {
		t.Fatalf("%s %s: %v", method, req.URL.Path, answer)
	}
	return answer
}

func fetch(t *testing.T, u, rng string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// sampleVideo is one second of ffmpeg's test pattern as MP4; no media file is committed.
func sampleVideo(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "sample.mp4")
	msg, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi",
		"-i", "testsrc=size=160x120:rate=25:duration=1", "-pix_fmt", "yuv420p", "-c:v", "libx264",
		"-preset", "ultrafast", out).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// repoRoot is the folder holding go.work, above the test's working directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.work above the working directory")
		}
		dir = parent
	}
}
