//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"simpletiktok/api-gateway/e2e/e2etest"
	"simpletiktok/pkg/config"
)

// processes are the stack's processes that serve an admin port.
var processes = append([]string{"api-gateway"}, services...)

// scrape is one read of a process's /metrics, by family name.
type scrape map[string]*dto.MetricFamily

func scrapeOf(t *testing.T, process string) scrape {
	t.Helper()
	resp, err := http.Get(shared.stack.AdminURL(process) + "/metrics")
	if err != nil {
		t.Fatalf("scrape %s: %v", process, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: HTTP %d", process, resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("scrape %s: %v", process, err)
	}
	return families
}

// value is the counter, gauge or histogram sample count of family name whose labels include
// labels, summed over the series that match; 0 when none does.
func (s scrape) value(name string, labels map[string]string) float64 {
	var sum float64
	for _, m := range s[name].GetMetric() {
		match := 0
		for _, lp := range m.GetLabel() {
			if v, ok := labels[lp.GetName()]; ok && v == lp.GetValue() {
				match++
			}
		}
		if match != len(labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// moved checks that each expected series grew by at least its amount between before and after.
func moved(t *testing.T, process string, before, after scrape, want []growth) {
	t.Helper()
	for _, w := range want {
		if d := after.value(w.name, w.labels) - before.value(w.name, w.labels); d < w.atLeast {
			t.Errorf("%s: %s%v grew by %v; want at least %v", process, w.name, w.labels, d, w.atLeast)
		}
	}
}

type growth struct {
	name    string
	labels  map[string]string
	atLeast float64
}

func l(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// eventually retries check until it passes or the bound runs out, then fails with its last
// error. A service counts a call after it has written the answer, so its counters may trail the
// caller's by a moment.
func eventually(t *testing.T, check func() error) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = check(); err == nil {
			return
		}
	}
	t.Fatal(err)
}

// Traffic through the gateway moves the counters of every layer it crosses: requests by route
// and business code at the gateway, RPC calls by method on both sides, statements and the pool
// of the service's database, and the business events.
func TestMetricsCountTheTraffic(t *testing.T) {
	p := shared.phone
	gwBefore, userBefore, relBefore := scrapeOf(t, "api-gateway"), scrapeOf(t, "user"), scrapeOf(t, "relation")

	name := e2etest.Unique("metrics")
	reg := e2etest.OK(t, p.Post(t, "/douyin/user/register/", e2etest.Vals("username", name, "password", "pw-123")))
	e2etest.OK(t, p.Post(t, "/douyin/user/login/", e2etest.Vals("username", name, "password", "pw-123")))
	e2etest.Refused(t, p.Post(t, "/douyin/user/login/", e2etest.Vals("username", name, "password", "wrong")))
	e2etest.OK(t, p.Get(t, "/douyin/feed/", nil))
	followee, _ := account(t, "metricsfollowee")
	e2etest.OK(t, p.Post(t, "/douyin/relation/action/", e2etest.Vals("token", reg.Str("token"), "to_user_id", fmt.Sprint(followee), "action_type", "1")))

	gw := scrapeOf(t, "api-gateway")
	moved(t, "api-gateway", gwBefore, gw, []growth{
		{"tiktok_http_requests_total", l("route", "/douyin/user/register/", "method", "POST", "status_code", "0", "outcome", "ok"), 2},
		{"tiktok_http_requests_total", l("route", "/douyin/user/login/", "status_code", "11002", "outcome", "biz_error"), 1},
		{"tiktok_http_requests_total", l("route", "/douyin/feed/", "method", "GET", "outcome", "ok"), 1},
		{"tiktok_http_request_duration_seconds", l("route", "/douyin/relation/action/"), 1},
		{"tiktok_rpc_client_requests_total", l("service", "user", "method", "Register", "outcome", "ok"), 2},
		{"tiktok_rpc_client_requests_total", l("service", "user", "method", "Login", "outcome", "biz_error"), 1},
		{"tiktok_rpc_client_requests_total", l("service", "relation", "method", "RelationAction", "outcome", "ok"), 1},
		{"tiktok_rpc_client_duration_seconds", l("service", "video", "method", "Feed"), 1},
		{"tiktok_merged_call_queries", l("method", "video.Feed"), 1},
		{"tiktok_registrations_total", nil, 2},
		{"tiktok_logins_total", l("result", "ok"), 1},
		{"tiktok_logins_total", l("result", "failed"), 1},
		{"tiktok_follows_total", l("action", "follow"), 1},
	})
	if n := gw.value("tiktok_http_requests_in_flight", nil); n < 0 {
		t.Errorf("requests in flight = %v", n)
	}
	for _, family := range []string{"tiktok_http_requests_total", "tiktok_http_request_duration_seconds"} {
		for _, m := range gw[family].GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "route" && !strings.HasPrefix(lp.GetValue(), "/") && lp.GetValue() != "unmatched" {
					t.Errorf("%s has route %q; want a route template", family, lp.GetValue())
				}
				if lp.GetName() == "route" && strings.ContainsAny(lp.GetValue(), "0123456789") {
					t.Errorf("%s has route %q: an id leaked into a label", family, lp.GetValue())
				}
			}
		}
	}

	eventually(t, func() error {
		user, rel := scrapeOf(t, "user"), scrapeOf(t, "relation")
		for _, c := range []struct {
			process       string
			before, after scrape
			g             growth
		}{
			{"user", userBefore, user, growth{"tiktok_rpc_server_requests_total", l("service", "user", "method", "Register", "outcome", "ok"), 2}},
			{"user", userBefore, user, growth{"tiktok_rpc_server_requests_total", l("service", "user", "method", "Login", "outcome", "biz_error"), 1}},
			{"user", userBefore, user, growth{"tiktok_rpc_server_duration_seconds", l("service", "user", "method", "Login"), 2}},
			{"user", userBefore, user, growth{"tiktok_db_statement_duration_seconds", l("operation", "create"), 2}},
			{"relation", relBefore, rel, growth{"tiktok_rpc_server_requests_total", l("service", "relation", "method", "RelationAction", "outcome", "ok"), 1}},
		} {
			if d := c.after.value(c.g.name, c.g.labels) - c.before.value(c.g.name, c.g.labels); d < c.g.atLeast {
				return fmt.Errorf("%s: %s%v grew by %v; want at least %v", c.process, c.g.name, c.g.labels, d, c.g.atLeast)
			}
		}
		return nil
	})

	// The pool of every service: the limit its committed config sets (mysql.max_open_conns, the
	// default), and connections that were really opened.
	for _, s := range services {
		sc := scrapeOf(t, s)
		if got := sc.value("go_sql_max_open_connections", nil); got != config.DefaultMaxOpenConns {
			t.Errorf("%s: go_sql_max_open_connections = %v; want %d", s, got, config.DefaultMaxOpenConns)
		}
		if got := sc.value("go_sql_open_connections", nil); got < 1 {
			t.Errorf("%s: go_sql_open_connections = %v; want the connections the service opened", s, got)
		}
		for _, name := range []string{"go_sql_in_use_connections", "go_sql_idle_connections", "go_sql_wait_count_total", "go_sql_wait_duration_seconds_total"} {
			if _, ok := sc[name]; !ok {
				t.Errorf("%s serves no %s", s, name)
			}
		}
	}
}

// Every process answers its probes on the admin port: alive, and ready (database reachable and
// registered in etcd, or for the gateway its port open).
func TestAdminProbes(t *testing.T) {
	for _, proc := range processes {
		for _, path := range []string{"/healthz", "/readyz"} {
			resp, err := http.Get(shared.stack.AdminURL(proc) + path)
			if err != nil {
				t.Fatalf("%s %s: %v", proc, path, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s %s = %d %s", proc, path, resp.StatusCode, body)
			}
		}
	}
}

// promQuery runs an instant query on the stack's Prometheus.
func promQuery(t *testing.T, query string) (vector []struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}, err error) {
	t.Helper()
	resp, err := http.PostForm(shared.stack.PrometheusURL()+"/api/v1/query", url.Values{"query": {query}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var answer struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return nil, err
	}
	if answer.Status != "success" {
		return nil, fmt.Errorf("query %q: %s", query, answer.Error)
	}
	_ = json.Unmarshal(answer.Data.Result, &vector) // scalars and matrices leave it empty
	return vector, nil
}

// The stack's Prometheus scrapes every process: `up` is 1 for each one.
func TestPrometheusScrapesEveryProcess(t *testing.T) {
	eventually(t, func() error {
		vector, err := promQuery(t, "up")
		if err != nil {
			return err
		}
		upJobs := map[string]bool{}
		for _, s := range vector {
			upJobs[s.Metric["job"]] = s.Value[1] == "1"
		}
		for _, proc := range append(slices.Clone(processes), "prometheus") {
			if !upJobs[proc] {
				return fmt.Errorf("up{job=%q} is not 1 (up: %v)", proc, upJobs)
			}
		}
		return nil
	})
}

// pendingMetrics are queried by the dashboards for parts that do not exist yet; each must still
// be absent (a part that lands takes its name off this list, and the check below then covers it).
var pendingMetrics = map[string]string{
	"tiktok_queue_depth":                              "the queue (metrics.NewQueue) is not built yet",
	"tiktok_queue_processing_duration_seconds_bucket": "the queue is not built yet",
	"tiktok_queue_retries_total":                      "the queue is not built yet",
	"tiktok_queue_dead_letters_total":                 "the queue is not built yet",
}

// eventMetrics have a series only once their event happened in the process (their label values,
// route templates, are not known ahead), so whether the stack serves them when this test runs
// depends on the tests before it. Their own tests check them: resilience_test.go degrades pages and
// reads tiktok_degraded_pages_total; the rate limits are off in this suite (TIKTOK_RATE_LIMIT=off),
// and internal/handler's tests count their refusals.
var eventMetrics = map[string]bool{
	"tiktok_degraded_pages_total":        true,
	"tiktok_rate_limited_requests_total": true,
}

// metricName finds the metric names in a dashboard query: the project's, Go's and the process's.
var metricName = regexp.MustCompile(`\b(?:tiktok|go|process)_[a-z0-9_]+\b`)

// Every metric a Grafana dashboard queries is served by the running stack, and every query is
// valid PromQL that the stack's Prometheus evaluates.
func TestDashboardsQueryWhatTheStackServes(t *testing.T) {
	served := map[string]bool{}
	for _, proc := range processes {
		for name, mf := range scrapeOf(t, proc) {
			for _, sample := range sampleNames(name, mf.GetType()) {
				served[sample] = true
			}
		}
	}
	files, err := filepath.Glob(filepath.Join(shared.root, "deploy", "grafana", "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards (%v)", err)
	}
	queried := map[string]string{} // metric -> a dashboard that queries it
	for _, f := range files {
		for _, expr := range dashboardExprs(t, f) {
			for _, name := range metricName.FindAllString(expr, -1) {
				queried[name] = filepath.Base(f)
			}
			// $__rate_interval is Grafana's; any range of a few scrapes stands in for it.
			if _, err := promQuery(t, strings.ReplaceAll(expr, "$__rate_interval", "1m")); err != nil {
				t.Errorf("%s: %v", filepath.Base(f), err)
			}
		}
	}
	for name, dashboard := range queried {
		reason, pending := pendingMetrics[name]
		switch {
		case eventMetrics[name]:
		case pending && served[name]:
			t.Errorf("%s is served now (%s was the reason it was not): take it off pendingMetrics", name, reason)
		case !pending && !served[name]:
			t.Errorf("%s queries %s, which no process of the stack serves", dashboard, name)
		}
	}
	for name := range eventMetrics {
		if _, ok := queried[name]; !ok {
			t.Errorf("eventMetrics lists %s, which no dashboard queries", name)
		}
	}
	for name := range pendingMetrics {
		if _, ok := queried[name]; !ok {
			t.Errorf("pendingMetrics lists %s, which no dashboard queries", name)
		}
	}
}

// sampleNames are the names a family's samples carry in the text format.
func sampleNames(family string, typ dto.MetricType) []string {
	switch typ {
	case dto.MetricType_HISTOGRAM:
		return []string{family + "_bucket", family + "_sum", family + "_count"}
	case dto.MetricType_SUMMARY:
		return []string{family, family + "_sum", family + "_count"}
	}
	return []string{family}
}

// dashboardExprs lists the queries of every panel of a dashboard file, rows included.
func dashboardExprs(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
		Panels []json.RawMessage `json:"panels"`
	}
	var d struct {
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var exprs []string
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				exprs = append(exprs, tg.Expr)
			}
			var inner []panel
			for _, r := range p.Panels {
				var ip panel
				if json.Unmarshal(r, &ip) == nil {
					inner = append(inner, ip)
				}
			}
			walk(inner)
		}
	}
	walk(d.Panels)
	return exprs
}
