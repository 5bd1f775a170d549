//go:build integration

package e2e

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
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

// formPart is one part of an upload body: a file when filename is set.
type formPart struct {
	name, filename string
	content        []byte
}

func tokenField(token string) formPart { return formPart{name: "token", content: []byte(token)} }
func titleField(title string) formPart { return formPart{name: "title", content: []byte(title)} }
func dataFile(content []byte) formPart {
	return formPart{name: "data", filename: "clip.mp4", content: content}
}

// uploadRequest builds POST /douyin/publish/action/?query with a multipart body of the parts.
func uploadRequest(query url.Values, parts ...formPart) (*http.Request, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, p := range parts {
		var (
			pw  io.Writer
			err error
		)
		if p.filename != "" {
			pw, err = w.CreateFormFile(p.name, p.filename)
		} else {
			pw, err = w.CreateFormField(p.name)
		}
		if err != nil {
			return nil, err
		}
		pw.Write(p.content)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, shared.stack.GatewayURL()+"/douyin/publish/action/?"+query.Encode(), &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req, nil
}

// upload sends an upload as the phone does and returns the answer.
func upload(t *testing.T, query url.Values, parts ...formPart) answer {
	t.Helper()
	req, err := uploadRequest(query, parts...)
	if err != nil {
		t.Fatal(err)
	}
	return shared.phone.do(t, req)
}

// publish uploads the sample video with title as the owner of token, and returns the new video's
// id (the newest of the caller's publish list).
func publish(t *testing.T, token, title string) int64 {
	t.Helper()
	ok(t, upload(t, nil, tokenField(token), titleField(title), dataFile(sampleVideo(t))))
	list := ok(t, shared.phone.get(t, "/douyin/publish/list/", vals("token", token)))
	videos, _ := list.body["video_list"].([]any)
	if len(videos) == 0 {
		t.Fatalf("the publish list is empty after a publish: %s", list.raw)
	}
	newest := videos[0].(map[string]any)
	if newest["title"] != title {
		t.Fatalf("the newest video is %v; want the one titled %q", newest, title)
	}
	return asInt(newest["id"])
}
