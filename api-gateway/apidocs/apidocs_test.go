package apidocs

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/common/ut"
	"github.com/cloudwego/hertz/pkg/route"
)

func engine() *route.Engine {
	opts := config.NewOptions(nil)
	opts.DisablePrintRoute = true
	e := route.NewEngine(opts)
	Register(e)
	return e
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, e *route.Engine, method, path string, headers ...ut.Header) answer {
	t.Helper()
	resp := ut.PerformRequest(e, method, path, nil, headers...).Result()
	a := answer{status: resp.StatusCode(), header: http.Header{}, body: resp.Body()}
	resp.Header.VisitAll(func(k, v []byte) { a.header.Add(string(k), string(v)) })
	a.header.Set("Content-Type", string(resp.Header.ContentType()))
	return a
}

var assetRef = regexp.MustCompile(`(?:src|href)="(/docs/[^"]+)"`)

func TestThePageAndEveryAssetItNames(t *testing.T) {
	e := engine()
	for _, path := range []string{"/docs", "/docs/"} {
		page := get(t, e, http.MethodGet, path)
		if page.status != http.StatusOK || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %s", path, page.status, page.header.Get("Content-Type"))
		}
		if !strings.Contains(page.header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("GET %s: no Content-Security-Policy", path)
		}
	}
	page := get(t, e, http.MethodGet, "/docs")
	refs := assetRef.FindAllStringSubmatch(string(page.body), -1)
	if len(refs) < 4 {
		t.Fatalf("the page names %d assets: %s", len(refs), page.body)
	}
	wantType := map[string]string{".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".yaml": "application/yaml"}
	for _, ref := range refs {
		path := ref[1]
		plain := get(t, e, http.MethodGet, path)
		if plain.status != http.StatusOK || len(plain.body) == 0 {
			t.Errorf("GET %s: %d, %d bytes", path, plain.status, len(plain.body))
			continue
		}
		ext := path[strings.LastIndex(path, "."):]
		if !strings.HasPrefix(plain.header.Get("Content-Type"), wantType[ext]) {
			t.Errorf("GET %s: Content-Type %q; want %s", path, plain.header.Get("Content-Type"), wantType[ext])
		}
		if plain.header.Get("Content-Encoding") != "" {
			t.Errorf("GET %s without Accept-Encoding: Content-Encoding %q", path, plain.header.Get("Content-Encoding"))
		}
		// Compressed for a client that takes gzip, to the same bytes.
		zipped := get(t, e, http.MethodGet, path, ut.Header{Key: "Accept-Encoding", Value: "br, gzip"})
		if zipped.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("GET %s accepting gzip: Content-Encoding %q", path, zipped.header.Get("Content-Encoding"))
			continue
		}
		r, err := gzip.NewReader(bytes.NewReader(zipped.body))
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(unzipped, plain.body) {
			t.Errorf("GET %s: the gzip answer does not unpack to the plain one (%v)", path, err)
		}
		// Revalidated at no cost.
		etag := plain.header.Get("ETag")
		if again := get(t, e, http.MethodGet, path, ut.Header{Key: "If-None-Match", Value: etag}); etag == "" || again.status != http.StatusNotModified || len(again.body) != 0 {
			t.Errorf("GET %s with If-None-Match %q: %d, %d bytes; want 304 and nothing", path, etag, again.status, len(again.body))
		}
	}
	if !strings.Contains(string(get(t, e, http.MethodGet, "/docs/index.js").body), "/docs/openapi.yaml") {
		t.Error("the page's script does not load /docs/openapi.yaml")
	}
}

func TestTheSpecIsServedAsWrittenAndAsJSON(t *testing.T) {
	e := engine()
	yaml := get(t, e, http.MethodGet, "/docs/openapi.yaml")
	if yaml.status != http.StatusOK || !bytes.Equal(yaml.body, Spec()) {
		t.Fatalf("GET /docs/openapi.yaml: %d, not the embedded spec", yaml.status)
	}
	js := get(t, e, http.MethodGet, "/docs/openapi.json")
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if js.status != http.StatusOK || !strings.HasPrefix(js.header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /docs/openapi.json: %d %s", js.status, js.header.Get("Content-Type"))
	}
	if err := json.Unmarshal(js.body, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Paths) != 16 {
		t.Errorf("/docs/openapi.json: openapi %q, %d paths, %v", doc.OpenAPI, len(doc.Paths), err)
	}
	// The example objects the YAML writes once (anchors) are spelt out in the JSON.
	if strings.Contains(string(js.body), "*video_seen_by_bob") || !strings.Contains(string(js.body), `"play_url"`) {
		t.Error("/docs/openapi.json did not resolve the YAML anchors")
	}
}

func TestHeadAndUnknownNames(t *testing.T) {
	e := engine()
	// (The server leaves out the body of a HEAD answer; this test's recorder does not.)
	page := get(t, e, http.MethodGet, "/docs")
	if head := get(t, e, http.MethodHead, "/docs"); head.status != http.StatusOK || head.header.Get("ETag") != page.header.Get("ETag") {
		t.Errorf("HEAD /docs: %d, ETag %q; want 200 and the page's %q", head.status, head.header.Get("ETag"), page.header.Get("ETag"))
	}
	missing := get(t, e, http.MethodGet, "/docs/nothing.js")
	if missing.status != http.StatusNotFound || !strings.Contains(string(missing.body), `"status_code":10005`) {
		t.Errorf("GET /docs/nothing.js: %d %s; want 404 with status_code 10005", missing.status, missing.body)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"": false, "gzip": true, "deflate, gzip;q=0.5": true, "gzip;q=0": false, "br": false, "x-gzip": false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v; want %v", header, got, want)
		}
	}
}
