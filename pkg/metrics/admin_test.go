package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"simpletiktok/pkg/config"
)

func get(t *testing.T, h http.Handler, path string, header ...string) (int, string, http.Header) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body), rec.Result().Header
}

func TestAdminEndpoints(t *testing.T) {
	reg := NewRegistry()
	h, err := NewHTTP(reg)
	if err != nil {
		t.Fatal(err)
	}
	h.Observe(Answer{Route: "/douyin/feed/", Method: "GET", HTTPStatus: 200, TraceID: "abc123"})
	a := NewAdmin(config.Admin{Listen: "127.0.0.1:0"}, reg, slog.New(slog.DiscardHandler))
	var dbDown bool
	a.AddCheck("mysql", func(context.Context) error {
		if dbDown {
			return errors.New("connection refused")
		}
		return nil
	})
	a.AddCheck("etcd", func(ctx context.Context) error { return ctx.Err() })
	handler := a.Handler()

	if code, body, _ := get(t, handler, HealthPath); code != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Fatalf("healthz = %d %q", code, body)
	}
	if code, body, _ := get(t, handler, ReadyPath); code != http.StatusOK {
		t.Fatalf("readyz with every check passing = %d %q", code, body)
	}
	dbDown = true
	code, body, _ := get(t, handler, ReadyPath)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "mysql: connection refused") || strings.Contains(body, "etcd") {
		t.Fatalf("readyz with mysql down = %d %q; want 503 naming mysql only", code, body)
	}
	dbDown = false
	a.Drain()
	if code, body, _ := get(t, handler, ReadyPath); code != http.StatusServiceUnavailable || !strings.Contains(body, "draining") {
		t.Fatalf("readyz while draining = %d %q", code, body)
	}
	if code, _, _ := get(t, handler, HealthPath); code != http.StatusOK {
		t.Fatal("a draining process must still report itself alive")
	}

	code, body, _ = get(t, handler, MetricsPath)
	for _, want := range []string{"go_goroutines", "process_cpu_seconds_total", "go_build_info", `tiktok_http_requests_total{method="GET",outcome="ok",route="/douyin/feed/",status_code="none"} 1`} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("metrics (%d) lacks %q", code, want)
		}
	}
	_, body, hdr := get(t, handler, MetricsPath, "Accept", "application/openmetrics-text; version=1.0.0")
	if !strings.HasPrefix(hdr.Get("Content-Type"), "application/openmetrics-text") || !strings.Contains(body, `# {trace_id="abc123"}`) {
		t.Fatalf("OpenMetrics scrape lacks the exemplar (content type %q)", hdr.Get("Content-Type"))
	}
	if code, _, _ := get(t, handler, "/debug/vars"); code != http.StatusNotFound {
		t.Fatalf("unknown admin path answered %d", code)
	}
}

// Profiles are served only when the config asks for them, which production refuses.
func TestAdminServesProfilesOnlyWhenEnabled(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	off := NewAdmin(config.Admin{Listen: "127.0.0.1:0"}, NewRegistry(), log).Handler()
	for _, path := range []string{PprofPath, PprofPath + "cmdline", PprofPath + "heap"} {
		if code, _, _ := get(t, off, path); code != http.StatusNotFound {
			t.Errorf("GET %s with pprof off = %d; want 404", path, code)
		}
	}
	on := NewAdmin(config.Admin{Listen: "127.0.0.1:0", Pprof: true}, NewRegistry(), log).Handler()
	if code, body, _ := get(t, on, PprofPath); code != http.StatusOK || !strings.Contains(body, "heap") {
		t.Fatalf("GET %s with pprof on = %d", PprofPath, code)
	}
	if err := (config.Admin{Listen: "127.0.0.1:9881", Pprof: true}).Validate(config.Production); err == nil ||
		!strings.Contains(err.Error(), "admin.pprof") {
		t.Fatalf("production with pprof: Validate = %v; want a refusal naming admin.pprof", err)
	}
	if err := (config.Admin{Listen: "127.0.0.1:9881", Pprof: true}).Validate(config.Development); err != nil {
		t.Fatalf("development with pprof: Validate = %v", err)
	}
}
