package middleware

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/common/ut"
	"github.com/cloudwego/hertz/pkg/route"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/metrics"
)

// The middleware labels requests by route template, never by the path that was asked for, and
// takes the outcome from the business code the handler (or Recover) recorded.
func TestMetricsByRouteTemplateAndBusinessCode(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.NewHTTP(reg)
	if err != nil {
		t.Fatal(err)
	}
	e := route.NewEngine(config.NewOptions(nil))
	e.Use(Metrics(m), Recover(slog.New(slog.DiscardHandler)))
	e.GET("/douyin/user/", func(_ context.Context, c *app.RequestContext) {
		if c.Query("user_id") == "7" {
			WriteStatus(c, http.StatusOK, errno.UserNotFound)
			return
		}
		WriteStatus(c, http.StatusOK, &errno.Error{Code: 0, Msg: "success"})
	})
	e.GET("/static/*filepath", func(_ context.Context, c *app.RequestContext) { c.String(http.StatusOK, "bytes") })
	e.GET("/boom/", func(context.Context, *app.RequestContext) { panic("boom") })
	e.GET(HealthPath, func(_ context.Context, c *app.RequestContext) { c.String(http.StatusOK, "ok") })

	for _, path := range []string{"/douyin/user/?user_id=1", "/douyin/user/?user_id=7", "/douyin/user/?user_id=7",
		"/static/covers/a1b2.jpg", "/static/videos/c3d4.mp4", "/boom/", "/no/such/path", HealthPath} {
		ut.PerformRequest(e, http.MethodGet, path, nil)
	}

	want := `
# HELP tiktok_http_requests_total HTTP requests answered, by route template, method, business status_code and outcome (ok, biz_error, server_error).
# TYPE tiktok_http_requests_total counter
tiktok_http_requests_total{method="GET",outcome="biz_error",route="/douyin/user/",status_code="11003"} 2
tiktok_http_requests_total{method="GET",outcome="ok",route="/douyin/user/",status_code="0"} 1
tiktok_http_requests_total{method="GET",outcome="ok",route="/static/*filepath",status_code="none"} 2
tiktok_http_requests_total{method="GET",outcome="server_error",route="/boom/",status_code="10000"} 1
tiktok_http_requests_total{method="GET",outcome="biz_error",route="unmatched",status_code="none"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tiktok_http_requests_total"); err != nil {
		t.Fatal(err)
	}
	gauge := `
# HELP tiktok_http_requests_in_flight HTTP requests being served now.
# TYPE tiktok_http_requests_in_flight gauge
tiktok_http_requests_in_flight 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(gauge), "tiktok_http_requests_in_flight"); err != nil {
		t.Fatal(err)
	}
}
