//go:build integration

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// videoFields are the fields of a Video object, exactly.
var videoFields = []string{"id", "author", "play_url", "cover_url", "favorite_count", "comment_count",
	"is_favorite", "title"}

var sample struct {
	once  sync.Once
	bytes []byte
	err   error
}

// sampleVideo is a small real MP4 (one second of ffmpeg's test pattern, 160x120), made once per
// run: no media file is committed.
func sampleVideo(t testing.TB) []byte {
	t.Helper()
	sample.once.Do(func() {
		dir, err := os.MkdirTemp("", "tiktok-e2e-video-")
		if err != nil {
			sample.err = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "sample.mp4")
		msg, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi",
			"-i", "testsrc=size=160x120:rate=25:duration=1", "-pix_fmt", "yuv420p", "-c:v", "libx264",
			"-preset", "ultrafast", out).CombinedOutput()
		if err != nil {
			sample.err = fmt.Errorf("ffmpeg: %v: %s", err, msg)
			return
		}
		sample.bytes, sample.err = os.ReadFile(out)
	})
	if sample.err != nil {
		t.Fatalf("make the sample video: %v", sample.err)
	}
	return sample.bytes
}

// publish uploads the sample video with title as the owner of token, and returns the new video's
// id (the newest of the caller's publish list).
func publish(t *testing.T, token, title string) int64 {
	t.Helper()
	e2etest.OK(t, shared.phone.Publish(t, token, title, sampleVideo(t)))
	list := e2etest.OK(t, shared.phone.Get(t, "/douyin/publish/list/", e2etest.Vals("token", token)))
	videos, _ := list.Body["video_list"].([]any)
	if len(videos) == 0 {
		t.Fatalf("the publish list is empty after a publish: %s", list.Raw)
	}
	newest := videos[0].(map[string]any)
	if newest["title"] != title {
		t.Fatalf("the newest video is %v; want the one titled %q", newest, title)
	}
	return e2etest.AsInt(newest["id"])
}
