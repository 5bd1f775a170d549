package media

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cloudwego/hertz/pkg/app/server"
	"github.com/cloudwego/hertz/pkg/common/hlog"

	"simpletiktok/pkg/mediastore"
)

func TestMain(m *testing.M) {
	hlog.SetLevel(hlog.LevelWarn)
	os.Exit(m.Run())
}

// serveLibrary runs a real Hertz server with the media route over a local folder and returns its
// base URL and the stored content of goodKey.
func serveLibrary(t *testing.T) (string, string) {
	t.Helper()
	_, store, _ := newLibrary(t, 1<<20)
	return serveStorage(t, store)
}

// serveStorage stores 1000 bytes under goodKey in store and serves store as serveLibrary does.
func serveStorage(t *testing.T, store mediastore.Storage) (string, string) {
	t.Helper()
	lib, err := NewLibrary(store, tools, nil, t.TempDir(), limitsOf(1<<20), slog.New(&recordingHandler{}))
	if err != nil {
		t.Fatal(err)
	}
	content := strings.Repeat("0123456789", 100) // 1000 bytes
	if err := store.Put(context.Background(), goodKey, writeFile(t, t.TempDir(), "f", content)); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(server.WithListener(ln), server.WithStreamBody(true), server.WithDisablePrintRoute(true))
	h.GET("/media/*"+KeyParam, lib.Serve)
	h.HEAD("/media/*"+KeyParam, lib.Serve)
	go h.Run()
	t.Cleanup(func() {
		// Idle keep-alive connections would hold the graceful shutdown to its limit.
		http.DefaultClient.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String(), content
}

func fetch(t *testing.T, method, url string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
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
	return resp, string(b)
}

func TestServeWholeFile(t *testing.T) {
	base, content := serveLibrary(t)
	checkWholeFile(t, base, content)
}

func checkWholeFile(t *testing.T, base, content string) {
	t.Helper()
	resp, body := fetch(t, http.MethodGet, base+"/media/"+goodKey)
	if resp.StatusCode != http.StatusOK || body != content {
		t.Fatalf("GET: HTTP %d, %d bytes", resp.StatusCode, len(body))
	}
	want := map[string]string{"Content-Type": "video/mp4", "Content-Length": "1000", "Accept-Ranges": "bytes",
		"Etag": `"` + goodKey + `"`, "X-Content-Type-Options": "nosniff"}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q; want %q", k, got, v)
		}
	}
	if resp.Header.Get("Last-Modified") == "" {
		t.Error("no Last-Modified")
	}

	head, body := fetch(t, http.MethodHead, base+"/media/"+goodKey)
	if head.StatusCode != http.StatusOK || body != "" || head.Header.Get("Content-Length") != "1000" ||
		head.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("HEAD: HTTP %d, length %q, type %q, body %q", head.StatusCode,
			head.Header.Get("Content-Length"), head.Header.Get("Content-Type"), body)
	}

	cached, body := fetch(t, http.MethodGet, base+"/media/"+goodKey, "If-None-Match", `"`+goodKey+`"`)
	if cached.StatusCode != http.StatusNotModified || body != "" {
		t.Fatalf("If-None-Match: HTTP %d", cached.StatusCode)
	}
}

func TestServeRanges(t *testing.T) {
	base, content := serveLibrary(t)
	checkRanges(t, base, content)
}

// checkRanges asks for ranges of goodKey, which holds content (1000 bytes).
func checkRanges(t *testing.T, base, content string) {
	t.Helper()
	cases := []struct {
		rng          string
		status       int
		from, to     int // the bytes expected, when status is 206 or 200
		contentRange string
	}{
		{"bytes=0-9", 206, 0, 9, "bytes 0-9/1000"},
		{"bytes=990-", 206, 990, 999, "bytes 990-999/1000"},
		{"bytes=-5", 206, 995, 999, "bytes 995-999/1000"},
		{"bytes=500-5000", 206, 500, 999, "bytes 500-999/1000"},
		{"bytes=-5000", 206, 0, 999, "bytes 0-999/1000"},
		{"bytes=999-999", 206, 999, 999, "bytes 999-999/1000"},
		{"bytes=1000-", 416, 0, -1, "bytes */1000"},
		{"bytes=-0", 416, 0, -1, "bytes */1000"},
		// Malformed or several ranges: the whole file, as RFC 9110 allows.
		{"bytes=5-3", 200, 0, 999, ""},
		{"bytes=0-1,5-6", 200, 0, 999, ""},
		{"items=0-1", 200, 0, 999, ""},
		{"bytes=+1-2", 200, 0, 999, ""},
		{"bytes=abc", 200, 0, 999, ""},
	}
	for _, c := range cases {
		t.Run(c.rng, func(t *testing.T) {
			resp, body := fetch(t, http.MethodGet, base+"/media/"+goodKey, "Range", c.rng)
			if resp.StatusCode != c.status || resp.Header.Get("Content-Range") != c.contentRange {
				t.Fatalf("HTTP %d, Content-Range %q; want %d, %q", resp.StatusCode, resp.Header.Get("Content-Range"), c.status, c.contentRange)
			}
			want := ""
			if c.to >= 0 {
				want = content[c.from : c.to+1]
			}
			if body != want || resp.Header.Get("Content-Length") != fmt.Sprint(len(want)) {
				t.Fatalf("body of %d bytes (Content-Length %s); want %d", len(body), resp.Header.Get("Content-Length"), len(want))
			}
		})
	}
	// If-Range: the range holds only while the file is the one the client has.
	resp, body := fetch(t, http.MethodGet, base+"/media/"+goodKey, "Range", "bytes=0-9", "If-Range", `"other"`)
	if resp.StatusCode != 200 || body != content {
		t.Fatalf("stale If-Range: HTTP %d, %d bytes; want the whole file", resp.StatusCode, len(body))
	}
	resp, body = fetch(t, http.MethodGet, base+"/media/"+goodKey, "Range", "bytes=0-9", "If-Range", `"`+goodKey+`"`)
	if resp.StatusCode != 206 || body != content[:10] {
		t.Fatalf("current If-Range: HTTP %d, %d bytes; want the range", resp.StatusCode, len(body))
	}
	head, _ := fetch(t, http.MethodHead, base+"/media/"+goodKey, "Range", "bytes=10-19")
	if head.StatusCode != 206 || head.Header.Get("Content-Length") != "10" {
		t.Fatalf("HEAD with a range: HTTP %d, length %s", head.StatusCode, head.Header.Get("Content-Length"))
	}
}

// Whatever path is asked for, only generated keys name files; anything else is a 404 (a JSON one
// from this route; paths that normalize to outside /media/ are the router's 404).
func TestServeOddPaths(t *testing.T) {
	base, content := serveLibrary(t)
	for _, p := range []string{
		"/media/", "/media/x", "/media/../config.yaml", "/media/%2e%2e/%2e%2e/etc/passwd",
		"/media/..%2f..%2fetc%2fpasswd", "/media//etc/passwd", "/media/.incoming/", "/media/.incoming/upload-1",
		"/media/" + strings.ToUpper(goodKey), "/media/" + goodKey + "/", "/media/" + goodKey + "%00.jpg",
		"/media/0123456789abcdef0123456789abcdef.mp4.html", "/media/ffffffffffffffffffffffffffffffff.mp4",
		"/media/x/../../" + goodKey, "/media/./" + goodKey + "x",
	} {
		t.Run(p, func(t *testing.T) {
			resp, body := fetch(t, http.MethodGet, base+p)
			if resp.StatusCode != http.StatusNotFound || strings.Contains(body, content[:20]) {
				t.Fatalf("GET %s: HTTP %d %q", p, resp.StatusCode, body)
			}
			if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				var answer struct {
					StatusCode int32 `json:"status_code"`
				}
				if json.Unmarshal([]byte(body), &answer) != nil || answer.StatusCode == 0 {
					t.Fatalf("GET %s: %q", p, body)
				}
			}
		})
	}
}
