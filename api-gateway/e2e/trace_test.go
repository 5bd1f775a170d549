//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// jaegerTrace is the part of Jaeger's query API answer the tests read: who made each span, its
// name and its parent.
type jaegerTrace struct {
	TraceID string `json:"traceID"`
	Spans   []struct {
		SpanID        string `json:"spanID"`
		OperationName string `json:"operationName"`
		ProcessID     string `json:"processID"`
		References    []struct {
			RefType string `json:"refType"`
			SpanID  string `json:"spanID"`
		} `json:"references"`
	} `json:"spans"`
	Processes map[string]struct {
		ServiceName string `json:"serviceName"`
	} `json:"processes"`
}

// spans names every span as "service operation", plus "service sql" for a service with any SQL
// span and "service storage" for one with any SQL or cache span (a read the cache answers has no
// SQL: its cache span shows where the answer came from).
func (tr jaegerTrace) spans() map[string]bool {
	seen := map[string]bool{}
	for _, s := range tr.Spans {
		svc := tr.Processes[s.ProcessID].ServiceName
		seen[svc+" "+s.OperationName] = true
		if strings.HasPrefix(s.OperationName, "sql:") {
			seen[svc+" sql"] = true
		}
		if isStorage(s.OperationName) {
			seen[svc+" storage"] = true
		}
	}
	return seen
}

// isStorage says whether a span is a SQL statement or a cache call.
func isStorage(op string) bool {
	return strings.HasPrefix(op, "sql:") || strings.HasPrefix(op, "cache:")
}

// rpcCalls counts the gateway's RPC client spans by name.
func (tr jaegerTrace) rpcCalls() map[string]int {
	out := map[string]int{}
	for _, s := range tr.Spans {
		if tr.Processes[s.ProcessID].ServiceName == "api-gateway" && strings.Contains(s.OperationName, "::") &&
			!tr.under(s.SpanID, revocationCheck) {
			out[s.OperationName]++
		}
	}
	return out
}

// revocationCheck is the span of the gateway's read of a caller's token version (auth.Sessions),
// made at most once per user per jwt.revoked_within: a check of the token, not a call of the page.
const revocationCheck = "coalesce user.TokenVersions"

// under says whether span id has an ancestor named op.
func (tr jaegerTrace) under(id, op string) bool {
	parent := map[string]string{}
	name := map[string]string{}
	for _, s := range tr.Spans {
		name[s.SpanID] = s.OperationName
		if len(s.References) > 0 {
			parent[s.SpanID] = s.References[0].SpanID
		}
	}
	for i := 0; i < len(tr.Spans); i++ { // bounded: a cycle cannot loop forever
		p, ok := parent[id]
		if !ok {
			return false
		}
		if name[p] == op {
			return true
		}
		id = p
	}
	return false
}

// storageUnder counts, per service, the SQL and cache spans whose parent is a span of the same
// service.
func (tr jaegerTrace) storageUnder() map[string]int {
	service := map[string]string{}
	for _, s := range tr.Spans {
		service[s.SpanID] = tr.Processes[s.ProcessID].ServiceName
	}
	out := map[string]int{}
	for _, s := range tr.Spans {
		svc := tr.Processes[s.ProcessID].ServiceName
		if isStorage(s.OperationName) && len(s.References) > 0 && service[s.References[0].SpanID] == svc {
			out[svc]++
		}
	}
	return out
}

// fetchTrace reads one trace from Jaeger's query API; an empty trace while Jaeger has none yet.
func fetchTrace(t *testing.T, id string) (jaegerTrace, []byte) {
	t.Helper()
	resp, err := http.Get(shared.stack.JaegerQueryURL() + "/api/traces/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data []json.RawMessage `json:"data"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil || len(body.Data) == 0 {
		return jaegerTrace{}, nil
	}
	var tr jaegerTrace
	if err := json.Unmarshal(body.Data[0], &tr); err != nil {
		t.Fatal(err)
	}
	return tr, body.Data[0]
}

// waitForTrace polls Jaeger, which stores spans asynchronously, until complete says the trace has
// arrived or 30 s pass, and returns the last trace read.
func waitForTrace(t *testing.T, id string, complete func(jaegerTrace) bool) (jaegerTrace, []byte) {
	t.Helper()
	if id == "" {
		t.Fatal("the answer carries no X-Trace-Id header")
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		tr, raw := fetchTrace(t, id)
		if complete(tr) || time.Now().After(deadline) {
			return tr, raw
		}
	}
}

// waitForSpans waits until the trace holds a span of every "service operation" wanted ("service
// sql" for any SQL span), failing the test if it never does, and returns the trace's JSON.
func waitForSpans(t *testing.T, traceID string, want []string) string {
	t.Helper()
	missing := func(tr jaegerTrace) []string {
		seen, out := tr.spans(), []string(nil)
		for _, w := range want {
			if !seen[w] {
				out = append(out, w)
			}
		}
		return out
	}
	tr, raw := waitForTrace(t, traceID, func(tr jaegerTrace) bool { return len(missing(tr)) == 0 })
	if m := missing(tr); len(m) > 0 {
		t.Fatalf("trace %s lacks %v.\n%s", traceID, m, raw)
	}
	return string(raw)
}

// expectCallsOnce waits for the trace of an answer to hold each of the calls in each, then checks
// that the gateway made exactly those calls, once each, and each of optional at most once. It
// returns the trace for further checks.
func expectCallsOnce(t *testing.T, what, traceID string, each []string, optional ...string) jaegerTrace {
	t.Helper()
	want := make(map[string]int, len(each))
	for _, c := range each {
		want[c] = 1
	}
	tr, _ := waitForTrace(t, traceID, func(tr jaegerTrace) bool {
		calls := tr.rpcCalls()
		for c, n := range want {
			if calls[c] < n {
				return false
			}
		}
		return true
	})
	calls, total := tr.rpcCalls(), 0
	for _, n := range calls {
		total += n
	}
	expected := 0
	for c, n := range want {
		if calls[c] != n {
			t.Errorf("%s: %s called %d times; want %d. All calls: %v", what, c, calls[c], n, calls)
		}
		expected += n
	}
	for _, c := range optional {
		if calls[c] > 1 {
			t.Errorf("%s: %s called %d times; want at most once. All calls: %v", what, c, calls[c], calls)
		}
		expected += calls[c]
	}
	if total != expected {
		t.Errorf("%s: %d RPCs (%v); want %d", what, total, calls, expected)
	}
	return tr
}

// One register request makes one trace that holds the gateway's HTTP span, the user service's
// RPC span and the user service's SQL, with no password or hash in it.
func TestRegisterIsOneTraceAcrossGatewayUserAndSQL(t *testing.T) {
	password := "trace-pw-" + fmt.Sprint(time.Now().UnixNano())
	a := e2etest.OK(t, shared.phone.Post(t, "/douyin/user/register/", e2etest.Vals("username", e2etest.Unique("trace"), "password", password)))
	raw := waitForSpans(t, a.TraceID, []string{
		"api-gateway HTTP POST /douyin/user/register/", "api-gateway user::Register",
		"user user::Register", "user sql",
	})
	if strings.Contains(raw, password) || strings.Contains(raw, "$2a$") {
		t.Fatal("the trace holds the password or its hash")
	}
}

// One publish makes one trace across the queue: the gateway's request and its ffprobe check, the
// video service's write, the relay's publish of the job, and the media worker's processing, with
// ffmpeg and the SetCover call to the video service under it.
func TestPublishIsOneTraceAcrossTheQueue(t *testing.T) {
	_, token := account(t, "traced")
	a := e2etest.OK(t, shared.phone.Upload(t, nil, e2etest.TokenField(token), e2etest.TitleField("traced publish"), e2etest.DataFile(sampleVideo(t))))
	waitForSpans(t, a.TraceID, []string{
		"api-gateway HTTP POST /douyin/publish/action/", "api-gateway ffprobe:probe", "api-gateway video::Publish",
		"video video::Publish", "video sql",
		"video queue:publish video.uploaded",
		"media-worker media:process video.uploaded", "media-worker ffmpeg:cover", "media-worker video::MGetVideos",
		"media-worker video::SetCover", "video video::SetCover",
	})
}
