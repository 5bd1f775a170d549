//go:build integration

package replicas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// phone calls one gateway as the mobile client does: parameters in the query string, JSON back.
type phone struct {
	base string
	http *http.Client
}

func newPhone(base string) *phone {
	return &phone{base: base, http: &http.Client{Timeout: 30 * time.Second}}
}

// answer is one decoded JSON answer.
type answer struct {
	body map[string]any
	raw  []byte
}

func (a answer) list(field string) []map[string]any {
	raw, _ := a.body[field].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, item := range raw {
		if m, ok := item.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func (a answer) obj(field string) map[string]any {
	m, _ := a.body[field].(map[string]any)
	return m
}

// ok sends the request and fails the test unless the answer is HTTP 200, JSON, status_code 0.
func (p *phone) ok(t *testing.T, req *http.Request) answer {
	t.Helper()
	started := time.Now()
	resp, err := p.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s via %s: %v", req.Method, req.URL.Path, p.base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&a.body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s via %s: HTTP %d, %q", req.Method, req.URL.Path, p.base, resp.StatusCode, raw)
	}
	if code := asInt(a.body["status_code"]); code != 0 {
		t.Fatalf("%s %s via %s: status_code %d (%v) after %s; want 0", req.Method, req.URL.Path, p.base, code,
			a.body["status_msg"], time.Since(started).Round(time.Millisecond))
	}
	return a
}

func (p *phone) get(t *testing.T, path string, params url.Values) answer {
	t.Helper()
	return p.ok(t, p.request(t, http.MethodGet, path, params))
}

func (p *phone) post(t *testing.T, path string, params url.Values) answer {
	t.Helper()
	return p.ok(t, p.request(t, http.MethodPost, path, params))
}

func (p *phone) request(t *testing.T, method, path string, params url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, p.base+path+"?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// publish uploads clip titled title as the owner of token, as the phone does.
func (p *phone) publish(t *testing.T, token, title string, clip []byte) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, f := range [][2]string{{"token", token}, {"title", title}} {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	part, err := w.CreateFormFile("data", "clip.mp4")
	if err != nil {
		t.Fatal(err)
	}
	part.Write(clip)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, p.base+"/douyin/publish/action/", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	p.ok(t, req)
}

func asInt(v any) int64 {
	n, ok := v.(json.Number)
	if !ok {
		return -1
	}
	i, err := n.Int64()
	if err != nil {
		return -1
	}
	return i
}

func vals(kv ...any) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(fmt.Sprint(kv[i]), fmt.Sprint(kv[i+1]))
	}
	return v
}

// withID is the item of a list whose id is id, or nil.
func withID(items []map[string]any, id int64) map[string]any {
	for _, it := range items {
		if asInt(it["id"]) == id {
			return it
		}
	}
	return nil
}

// uniqueName is a user name no other run of the package has used.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano()%1_000_000_000_000)
}

// metricSum sums the samples of a counter family on a process's /metrics, all labels together.
func metricSum(t *testing.T, adminURL, family string) float64 {
	t.Helper()
	resp, err := http.Get(adminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, family+"{") && !strings.HasPrefix(line, family+" ") {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err == nil {
			sum += v
		}
	}
	return sum
}
