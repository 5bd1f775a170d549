//go:build integration

package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type dashboard struct {
	file   string
	UID    string  `json:"uid"`
	Title  string  `json:"title"`
	Panels []panel `json:"panels"`
}

type panel struct {
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	GridPos struct {
		X, W int
	} `json:"gridPos"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row holds its panels
}

// panels lists every panel, those inside collapsed rows too.
func (d dashboard) panels() []panel {
	var all []panel
	for _, p := range d.Panels {
		all = append(all, p)
		all = append(all, p.Panels...)
	}
	return all
}

// loadDashboards parses every dashboard Grafana provisions, failing on a file that is not JSON.
func loadDashboards(t *testing.T, root string) []dashboard {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "deploy/grafana/dashboards/*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards in deploy/grafana/dashboards (%v)", err)
	}
	var ds []dashboard
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s is not valid dashboard JSON: %v", f, err)
		}
		d.file = filepath.Base(f)
		ds = append(ds, d)
	}
	return ds
}

// The dashboards are well-formed: unique uids, every panel on the 24-column grid with a query,
// an overview covering every layer and one dashboard for each process, filtered to it.
func TestDashboardsAreWellFormed(t *testing.T) {
	ds := loadDashboards(t, repoRoot(t))
	uids := map[string]string{}
	byFile := map[string]dashboard{}
	for _, d := range ds {
		byFile[d.file] = d
		if d.UID == "" || d.Title == "" {
			t.Errorf("%s: uid %q, title %q; want both", d.file, d.UID, d.Title)
		}
		if other, dup := uids[d.UID]; dup {
			t.Errorf("%s and %s share the uid %s", d.file, other, d.UID)
		}
		uids[d.UID] = d.file
		for _, p := range d.panels() {
			if p.GridPos.X < 0 || p.GridPos.W <= 0 || p.GridPos.X+p.GridPos.W > 24 {
				t.Errorf("%s: panel %q is off the grid (x %d, w %d)", d.file, p.Title, p.GridPos.X, p.GridPos.W)
			}
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", d.file, p.Title)
			}
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) == "" {
					t.Errorf("%s: panel %q has an empty query", d.file, p.Title)
				}
			}
		}
	}
	overview, ok := byFile["overview.json"]
	if !ok {
		t.Fatal("no overview.json")
	}
	exprs := allExprs(overview)
	for layer, metric := range map[string]string{
		"HTTP RED": "tiktok_http_requests_total", "HTTP latency": "tiktok_http_request_duration_seconds_bucket",
		"RPC": "tiktok_rpc_client_requests_total", "DB pools": "go_sql_in_use_connections",
		"cache": "tiktok_cache_requests_total", "queue": "tiktok_queue_depth", "runtime": "go_goroutines",
		"business": "tiktok_logins_total",
	} {
		if !strings.Contains(exprs, metric) {
			t.Errorf("the overview has no %s panel (no query of %s)", layer, metric)
		}
	}
	for _, name := range appServices() {
		d, ok := byFile[name+".json"]
		if !ok {
			t.Errorf("no dashboard for %s (%s.json)", name, name)
			continue
		}
		if !strings.Contains(allExprs(d), `job="`+name+`"`) {
			t.Errorf("%s.json never selects job=%q", name, name)
		}
	}
}

func allExprs(d dashboard) string {
	var b strings.Builder
	for _, p := range d.panels() {
		for _, tg := range p.Targets {
			b.WriteString(tg.Expr + "\n")
		}
	}
	return b.String()
}
