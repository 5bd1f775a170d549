//go:build integration

package outcome

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"simpletiktok/pkg/ffmpeg/ffmpegtest"
)

// phoneClient bounds every call: a write's budget at the gateway is seconds, so an answer that
// takes this long is a hang, not an outcome.
var phoneClient = &http.Client{Timeout: 30 * time.Second}

// answer is one decoded JSON answer of the gateway.
type answer struct {
	body map[string]any
	raw  []byte
}

func (a answer) code() int64 { return asInt(a.body["status_code"]) }

func (a answer) obj(key string) map[string]any {
	m, _ := a.body[key].(map[string]any)
	return m
}

func (a answer) list(t *testing.T, key string) []map[string]any {
	t.Helper()
	items, isList := a.body[key].([]any)
	if !isList {
		t.Fatalf("%s is not a list: %s", key, a.raw)
	}
	out := make([]map[string]any, len(items))
	for i, item := range items {
		if out[i], isList = item.(map[string]any); !isList {
			t.Fatalf("%s[%d] is not an object: %s", key, i, a.raw)
		}
	}
	return out
}

// call sends req as the phone does and decodes the answer, which must be HTTP 200 JSON.
func call(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := phoneClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	a := answer{raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&a.body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d %q; want 200 and JSON", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return a
}

// send sends method path?params, with header (may be nil), as the phone does: parameters in the
// query string, no body.
func send(t *testing.T, method, path string, params url.Values, header http.Header) answer {
	t.Helper()
	req, err := http.NewRequest(method, shared.gateway+path+"?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return call(t, req)
}

// ok fails the test unless a is a success.
func ok(t *testing.T, a answer) answer {
	t.Helper()
	if a.code() != 0 {
		t.Fatalf("status_code %d; want 0: %s", a.code(), a.raw)
	}
	return a
}

func asInt(v any) int64 {
	n, isNumber := v.(json.Number)
	if !isNumber {
		return -1
	}
	i, err := n.Int64()
	if err != nil {
		return -1
	}
	return i
}

var serial atomic.Int64

// unique gives each use a name of its own in this run and across runs.
func unique(prefix string) string {
	return fmt.Sprintf("%s%d_%d", prefix, time.Now().UnixNano()%1e9, serial.Add(1))
}

// user is a registered account.
type user struct {
	id    int64
	token string
}

func register(t *testing.T, prefix string) user {
	t.Helper()
	a := ok(t, send(t, http.MethodPost, "/douyin/user/register/", url.Values{
		"username": {unique(prefix)}, "password": {"pass-word"}}, nil))
	return user{id: asInt(a.body["user_id"]), token: a.body["token"].(string)}
}

// publish uploads a one-second video as who and returns its id (the newest of who's works).
func publish(t *testing.T, who user) int64 {
	t.Helper()
	clip, err := os.ReadFile(ffmpegtest.MP4(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	title := unique("cut ")
	_ = w.WriteField("token", who.token)
	_ = w.WriteField("title", title)
	part, _ := w.CreateFormFile("data", "clip.mp4")
	_, _ = part.Write(clip)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, shared.gateway+"/douyin/publish/action/", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	ok(t, call(t, req))
	works := worksOf(t, who)
	if len(works) == 0 || works[0]["title"] != title {
		t.Fatalf("the newest work of %d is not the video just published: %v", who.id, works)
	}
	return asInt(works[0]["id"])
}

// worksOf is who's publish list, newest first.
func worksOf(t *testing.T, who user) []map[string]any {
	t.Helper()
	return ok(t, send(t, http.MethodGet, "/douyin/publish/list/", url.Values{
		"token": {who.token}, "user_id": {fmt.Sprint(who.id)}}, nil)).list(t, "video_list")
}
