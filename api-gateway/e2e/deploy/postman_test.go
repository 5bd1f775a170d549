//go:build integration

package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"simpletiktok/api-gateway/apidocs/conformance"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/pkg/devstack"
)

// The contract's sixteen endpoints, as "METHOD /path/".
var contractEndpoints = []string{
	"GET /douyin/feed/", "POST /douyin/user/register/", "POST /douyin/user/login/", "GET /douyin/user/",
	"POST /douyin/publish/action/", "GET /douyin/publish/list/", "POST /douyin/favorite/action/",
	"GET /douyin/favorite/list/", "POST /douyin/comment/action/", "GET /douyin/comment/list/",
	"POST /douyin/relation/action/", "GET /douyin/relation/follow/list/", "GET /douyin/relation/follower/list/",
	"GET /douyin/relation/friend/list/", "GET /douyin/message/chat/", "POST /douyin/message/action/",
}

// minAssertions is what a run of the whole collection must at least check.
const minAssertions = 40

type collection struct {
	Item []struct {
		Name string `json:"name"`
		Item []struct {
			Name  string `json:"name"`
			Event []struct {
				Listen string `json:"listen"` // "prerequest" or "test"
			} `json:"event"`
			Request struct {
				Method string          `json:"method"`
				URL    json.RawMessage `json:"url"`
			} `json:"request"`
		} `json:"item"`
	} `json:"item"`
}

func loadCollection(t *testing.T, root string) collection {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "postman", "simple-tiktok.postman_collection.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c collection
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("the collection is not valid JSON: %v", err)
	}
	return c
}

func TestPostmanCollectionCoversTheContract(t *testing.T) {
	root := repoRoot(t)
	c := loadCollection(t, root)
	seen := map[string]bool{}
	for _, folder := range c.Item {
		for _, it := range folder.Item {
			hasTest := false
			for _, e := range it.Event {
				hasTest = hasTest || e.Listen == "test"
			}
			if !hasTest {
				t.Errorf("%s / %s has no test script", folder.Name, it.Name)
			}
			var u struct {
				Path []string `json:"path"`
			}
			if json.Unmarshal(it.Request.URL, &u) == nil && len(u.Path) > 0 {
				seen[it.Request.Method+" /"+strings.Join(u.Path, "/")] = true
			}
		}
	}
	for _, e := range contractEndpoints {
		if !seen[e] {
			t.Errorf("no request of the collection calls %s", e)
		}
	}

	raw, err := os.ReadFile(filepath.Join(root, "postman", "local.postman_environment.json"))
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Values []struct{ Key, Value string } `json:"values"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || len(env.Values) != 1 ||
		env.Values[0].Key != "baseUrl" || env.Values[0].Value != "http://127.0.0.1:8080" {
		t.Errorf("environment = %s (%v); want baseUrl http://127.0.0.1:8080", raw, err)
	}
}

// newmanReport is the part of newman's JSON report the test reads.
type newmanReport struct {
	Run struct {
		Stats map[string]struct {
			Total  int `json:"total"`
			Failed int `json:"failed"`
		} `json:"stats"`
		Executions []newmanExecution `json:"executions"`
		Failures   []struct {
			Error struct {
				Test    string `json:"test"`
				Message string `json:"message"`
			} `json:"error"`
			Source struct {
				Name string `json:"name"`
			} `json:"source"`
		} `json:"failures"`
	} `json:"run"`
}

// newmanExecution is one request of the run and its answer, as newman's JSON report gives them.
type newmanExecution struct {
	Item struct {
		Name string `json:"name"`
	} `json:"item"`
	Request struct {
		Method string `json:"method"`
		URL    struct {
			Path  []string     `json:"path"`
			Query []newmanPair `json:"query"`
		} `json:"url"`
		Header []newmanPair `json:"header"`
		Body   *struct {
			Mode       string       `json:"mode"`
			URLEncoded []newmanPair `json:"urlencoded"`
		} `json:"body"`
	} `json:"request"`
	Response *struct {
		Code   int          `json:"code"`
		Header []newmanPair `json:"header"`
		Stream struct {
			Raw []int `json:"data"` // a Node.js Buffer: its bytes as numbers
		} `json:"stream"`
	} `json:"response"`
}

type newmanPair struct {
	Key      string `json:"key"`
	Value    string `json:"value"`
	Disabled bool   `json:"disabled"`
}

// ofTheAPI says whether the request called an endpoint of the API (not a media URL).
func (e newmanExecution) ofTheAPI() bool {
	return len(e.Request.URL.Path) > 0 && e.Request.URL.Path[0] == "douyin"
}

// exchange is the execution as the spec checker takes it (the upload's multipart body is not in
// the report, and is not checked).
func (e newmanExecution) exchange() conformance.Exchange {
	var query []string
	for _, q := range e.Request.URL.Query {
		if !q.Disabled {
			query = append(query, q.Key+"="+q.Value) // as newman sent them
		}
	}
	ex := conformance.Exchange{
		Method: e.Request.Method,
		URL:    &url.URL{Path: "/" + strings.Join(e.Request.URL.Path, "/"), RawQuery: strings.Join(query, "&")},
		Header: http.Header{}, ResponseHeader: http.Header{},
	}
	for _, h := range e.Request.Header {
		if !h.Disabled {
			ex.Header.Add(h.Key, h.Value)
		}
	}
	if b := e.Request.Body; b != nil {
		switch b.Mode {
		case "urlencoded":
			form := url.Values{}
			for _, f := range b.URLEncoded {
				if !f.Disabled {
					form.Add(f.Key, f.Value)
				}
			}
			ex.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			ex.Body = []byte(form.Encode())
		case "formdata":
			ex.Header.Set("Content-Type", "multipart/form-data")
		}
	}
	if r := e.Response; r != nil {
		ex.Status = r.Code
		for _, h := range r.Header {
			ex.ResponseHeader.Add(h.Key, h.Value)
		}
		ex.ResponseBody = make([]byte, len(r.Stream.Raw))
		for i, b := range r.Stream.Raw {
			ex.ResponseBody[i] = byte(b)
		}
	}
	return ex
}

// checkAgainstSpec checks every answer of the run against the API's OpenAPI description, and
// returns how many it checked: every answer of the API the collection received is described.
func checkAgainstSpec(t *testing.T, executions []newmanExecution) int {
	t.Helper()
	checker, err := conformance.New()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range executions {
		if e.Response == nil {
			if e.ofTheAPI() {
				t.Errorf("%s: no answer in the report", e.Item.Name)
			}
			continue
		}
		err := checker.Check(context.Background(), e.exchange())
		switch {
		case errors.Is(err, conformance.ErrNotDescribed):
		case err != nil:
			t.Errorf("%s: the answer breaks the API's OpenAPI description (api-gateway/apidocs/openapi.yaml): %v", e.Item.Name, err)
		default:
			checked++
		}
	}
	return checked
}

// The collection runs through postman/run.sh, as `make postman` runs it, against a stack of its
// own. POSTMAN_FOLDERS (see the Makefile) limits the run to some folders; by default, and then
// with at least minAssertions checks, the whole collection runs.
func TestPostmanCollectionPassesAgainstTheStack(t *testing.T) {
	root := repoRoot(t)
	for _, tool := range []string{"newman", "ffmpeg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (run .ci/run, or see README.md): %v", tool, err)
		}
	}
	c := loadCollection(t, root)
	folders := strings.Fields(strings.ReplaceAll(os.Getenv("POSTMAN_FOLDERS"), ",", " "))
	wantRequests := 0
	for _, f := range c.Item {
		if len(folders) == 0 || slices.Contains(folders, f.Name) {
			wantRequests += len(f.Item)
		}
	}

	stack := startStack(t, root)
	reportPath := filepath.Join(t.TempDir(), "newman.json")
	cmd := exec.Command(filepath.Join(root, "postman", "run.sh"), stack.GatewayURL())
	cmd.Env = append(os.Environ(), "POSTMAN_REPORT="+reportPath)
	out, runErr := cmd.CombinedOutput()
	raw, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatalf("newman wrote no report (%v; run: %v):\n%s", err, runErr, out)
	}
	var report newmanReport
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatalf("newman report: %v", err)
	}
	for _, f := range report.Run.Failures {
		t.Errorf("%s: %s: %s", f.Source.Name, f.Error.Test, f.Error.Message)
	}
	if runErr != nil {
		t.Fatalf("newman: %v\n%s", runErr, out)
	}
	stats := report.Run.Stats
	for _, kind := range []string{"requests", "assertions", "testScripts", "prerequestScripts"} {
		if stats[kind].Failed != 0 {
			t.Errorf("%d %s failed", stats[kind].Failed, kind)
		}
	}
	if got := len(report.Run.Executions); got != wantRequests {
		t.Errorf("%d requests ran; want %d (folders %v)", got, wantRequests, folders)
	}
	if len(folders) == 0 && stats["assertions"].Total < minAssertions {
		t.Errorf("the whole collection made %d assertions; want at least %d", stats["assertions"].Total, minAssertions)
	}
	if stats["assertions"].Total == 0 {
		t.Error("no assertion ran")
	}
	api := 0
	for _, e := range report.Run.Executions {
		if e.ofTheAPI() {
			api++
		}
	}
	if checked := checkAgainstSpec(t, report.Run.Executions); checked != api || api == 0 {
		t.Errorf("%d answers checked against the OpenAPI description; want every answer of the API, %d", checked, api)
	}
	t.Logf("newman: %d requests, %d assertions, %d answers of the API checked against the OpenAPI description, folders %q (empty: all)",
		len(report.Run.Executions), stats["assertions"].Total, api, folders)
}

// startStack runs the whole system from bin/ on free ports, in schemas of its own, until the
// test ends.
func startStack(t *testing.T, root string) *devstack.Stack {
	t.Helper()
	ports, err := devstack.FreePorts()
	if err != nil {
		t.Fatal(err)
	}
	varDir, err := os.MkdirTemp("", "tiktok-postman-")
	if err != nil {
		t.Fatal(err)
	}
	prefix := dbtest.SchemaName("pm") + "_"
	t.Cleanup(func() {
		for _, s := range rpcServices {
			_ = db.DropSchema(context.Background(), dbtest.DSN(), prefix+s)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stack, err := devstack.Start(ctx, devstack.Options{
		Root: root, VarDir: varDir, MySQLDSN: dbtest.DSN(), SchemaPrefix: prefix, Ports: ports,
	})
	if err != nil {
		t.Fatalf("start the stack (run `make build` first; logs in %s): %v", varDir, err)
	}
	t.Cleanup(func() {
		// The stack restarts a process that crashes, so a crash would otherwise pass unnoticed.
		for _, f := range stack.Failures() {
			t.Errorf("a process of the stack failed during the run: %v", f)
		}
		if err := stack.Stop(); err != nil {
			t.Errorf("stop the stack: %v", err)
		}
		if t.Failed() {
			t.Logf("the stack's logs are kept in %s", stack.LogDir())
		} else {
			os.RemoveAll(varDir)
		}
	})
	return stack
}
