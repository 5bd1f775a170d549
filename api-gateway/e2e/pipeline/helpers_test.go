//go:build integration

package pipeline

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
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"simpletiktok/pkg/ffmpeg/ffmpegtest"
	"simpletiktok/pkg/mediajob"
)

// call sends one request and returns its JSON answer, failing the test on anything but success.
func call(t *testing.T, req *http.Request) map[string]any {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var answer map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&answer); err != nil || resp.StatusCode != http.StatusOK || fmt.Sprint(answer["status_code"]) != "0" {
		t.Fatalf("%s %s: HTTP %d %s", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return answer
}

func get(t *testing.T, path string, q url.Values) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, shared.stack.GatewayURL()+path+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return call(t, req)
}

var names atomic.Int64

// user registers a new account and returns its id and token.
func user(t *testing.T) (int64, string) {
	t.Helper()
	name := fmt.Sprintf("pipe%d_%d", time.Now().UnixNano()%1e9, names.Add(1))
	req, err := http.NewRequest(http.MethodPost, shared.stack.GatewayURL()+"/douyin/user/register/?"+
		url.Values{"username": {name}, "password": {"secret1"}}.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := call(t, req)
	id, _ := a["user_id"].(json.Number).Int64()
	return id, a["token"].(string)
}

// publish uploads video as the owner of token, as the phone does.
func publish(t *testing.T, token, title string, video []byte) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("token", token)
	w.WriteField("title", title)
	fw, _ := w.CreateFormFile("data", "clip.mp4")
	fw.Write(video)
	w.Close()
	req, err := http.NewRequest(http.MethodPost, shared.stack.GatewayURL()+"/douyin/publish/action/", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	call(t, req)
}

// video is a video of a publish list as the phone sees it.
type video struct {
	ID              int64
	Title           string
	PlayURL, Cover  string
	FallbackCovered bool
}

// works is the publish list of author.
func works(t *testing.T, token string, author int64) []video {
	t.Helper()
	a := get(t, "/douyin/publish/list/", url.Values{"token": {token}, "user_id": {fmt.Sprint(author)}})
	raw, _ := a["video_list"].([]any)
	var out []video
	for _, r := range raw {
		m := r.(map[string]any)
		id, _ := m["id"].(json.Number).Int64()
		v := video{ID: id, Title: m["title"].(string), PlayURL: m["play_url"].(string), Cover: m["cover_url"].(string)}
		v.FallbackCovered = v.Cover == shared.stack.GatewayURL()+"/static/cover.jpg"
		out = append(out, v)
	}
	return out
}

// inFeed reports whether the newest page of the feed holds videoID, and with which cover.
func inFeed(t *testing.T, videoID int64) (string, bool) {
	t.Helper()
	a := get(t, "/douyin/feed/", nil)
	raw, _ := a["video_list"].([]any)
	for _, r := range raw {
		m := r.(map[string]any)
		if id, _ := m["id"].(json.Number).Int64(); id == videoID {
			return m["cover_url"].(string), true
		}
	}
	return "", false
}

// waitForCovers polls the publish list until every video of author has a cover of its own, for
// at most within, and returns the list.
func waitForCovers(t *testing.T, token string, author int64, within time.Duration) []video {
	t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(100 * time.Millisecond) {
		list := works(t, token, author)
		done := len(list) > 0
		for _, v := range list {
			done = done && !v.FallbackCovered
		}
		if done {
			return list
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s, covers are still missing: %+v (worker log: %s)", within, list,
				filepath.Join(shared.stack.LogDir(), "media-worker.log"))
		}
	}
}

// checkCover fetches a cover URL and wants a JPEG as wide as the sample video.
func checkCover(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	img, err := jpeg.Decode(resp.Body)
	if resp.StatusCode != http.StatusOK || err != nil || img.Bounds().Dx() != 160 {
		t.Fatalf("GET %s: HTTP %d, %v; want a 160-wide JPEG", url, resp.StatusCode, err)
	}
}

// key is the media key at the end of a media URL.
func key(url string) string { return url[strings.LastIndexByte(url, '/')+1:] }

// coverFiles lists the cover files stored for the video whose play URL is playURL.
func coverFiles(t *testing.T, playURL string) []string {
	t.Helper()
	base := strings.TrimSuffix(key(playURL), filepath.Ext(playURL))
	matches, err := filepath.Glob(filepath.Join(shared.varDir, "media", base+"*.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	return matches
}

// sample is a small real MP4 (1 s, 160x120); broken is one ffprobe accepts and ffmpeg cannot
// decode a frame of.
func sample(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(ffmpegtest.MP4(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func broken(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(ffmpegtest.TruncatedMP4(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// jetStream connects to the stack's NATS, for checks from outside the code under test.
func jetStream(t *testing.T) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(shared.stack.NATSURL(), nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// streamState is the state of a stream of the media pipeline.
func streamState(t *testing.T, js jetstream.JetStream, name string) jetstream.StreamState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State
}

// deadLetterOf returns the dead letter filed for videoID, if any.
func deadLetterOf(t *testing.T, js jetstream.JetStream, videoID int64) (mediajob.DeadLetter, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, mediajob.DeadStream)
	if err != nil {
		t.Fatal(err)
	}
	state := streamState(t, js, mediajob.DeadStream)
	for seq := state.FirstSeq; state.Msgs > 0 && seq <= state.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		var d mediajob.DeadLetter
		if json.Unmarshal(m.Data, &d) == nil && d.VideoID == videoID {
			return d, true
		}
	}
	return mediajob.DeadLetter{}, false
}

// running reports whether the stack's process name is up and ready.
func running(name string) bool {
	for _, st := range shared.stack.Status() {
		if st.Name == name {
			return st.Ready
		}
	}
	return false
}

// waitFor polls cond for at most within.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %s (logs in %s)", what, within, shared.stack.LogDir())
		}
	}
}
