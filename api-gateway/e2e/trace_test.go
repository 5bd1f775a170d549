package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// jaegerTrace is the part of Jaeger's query API answer the test reads.
type jaegerTrace struct {
	TraceID string `json:"traceID"`
	Spans   []struct {
		OperationName string `json:"operationName"`
		ProcessID     string `json:"processID"`
		Tags          []struct {
			Key   string `json:"key"`
			Value any    `json:"value"`
		} `json:"tags"`
	} `json:"spans"`
	Processes map[string]struct {
		ServiceName string `json:"serviceName"`
	} `json:"processes"`
}

// One register request makes one trace that holds the gateway's HTTP span, the user service's
// RPC span and the user service's SQL, with no password or hash in it.
func TestRegisterIsOneTraceAcrossGatewayUserAndSQL(t *testing.T) {
	password := "trace-pw-" + fmt.Sprint(time.Now().UnixNano())
	a := ok(t, shared.phone.post(t, "/douyin/user/register/", vals("username", uniqueName("trace"), "password", password)))
	if a.traceID == "" {
		t.Fatal("the answer carries no X-Trace-Id header")
	}

	var (
		tr   jaegerTrace
		raw  []byte
		seen map[string]bool
	)
	deadline := time.Now().Add(30 * time.Second)
	for {
		tr, raw = fetchTrace(t, a.traceID)
		seen = map[string]bool{}
		for _, s := range tr.Spans {
			svc := tr.Processes[s.ProcessID].ServiceName
			switch {
			case svc == "api-gateway" && strings.HasPrefix(s.OperationName, "HTTP POST /douyin/user/register/"):
				seen["gateway http"] = true
			case svc == "api-gateway" && s.OperationName == "user::Register":
				seen["gateway rpc client"] = true
			case svc == "user" && s.OperationName == "user::Register":
				seen["user rpc server"] = true
			case svc == "user" && strings.HasPrefix(s.OperationName, "sql:"):
				seen["user sql"] = true
			}
		}
		if len(seen) == 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(seen) != 4 {
		t.Fatalf("trace %s holds %v; want gateway http, gateway rpc client, user rpc server and user sql.\n%s", a.traceID, seen, raw)
	}
	if strings.Contains(string(raw), password) || strings.Contains(string(raw), "$2a$") {
		t.Fatal("the trace holds the password or its hash")
	}
}

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
