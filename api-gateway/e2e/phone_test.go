//go:build integration

package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// phone calls the gateway as the mobile client does: parameters in the query string, JSON back.
type phone struct {
	base string
	http *http.Client
}

func newPhone(base string) *phone {
	return &phone{base: base, http: &http.Client{Timeout: 30 * time.Second}}
}

// answer is one decoded JSON answer, with the HTTP facts the contract fixes.
type answer struct {
	httpStatus  int
	contentType string
	traceID     string
	body        map[string]any
	raw         []byte
}

func (a answer) code() int64 { return asInt(a.body["status_code"]) }

func (a answer) str(key string) string {
	s, _ := a.body[key].(string)
	return s
}

func (a answer) obj(key string) map[string]any {
	m, _ := a.body[key].(map[string]any)
	return m
}

func (p *phone) do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := p.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{httpStatus: resp.StatusCode, contentType: resp.Header.Get("Content-Type"),
		traceID: resp.Header.Get("X-Trace-Id"), raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&a.body); err != nil {
		t.Fatalf("%s %s: answer is not JSON (HTTP %d): %q", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return a
}

// get sends GET path?params.
func (p *phone) get(t *testing.T, path string, params url.Values) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.base+path+"?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p.do(t, req)
}

// post sends POST path?params with an empty body, as the phone does.
func (p *phone) post(t *testing.T, path string, params url.Values) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.base+path+"?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p.do(t, req)
}

// postForm sends the parameters as an urlencoded body, as some tools do.
func (p *phone) postForm(t *testing.T, path string, params url.Values) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.base+path, strings.NewReader(params.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return p.do(t, req)
}

// ok fails the test unless the answer is a success that follows the transport rules.
func ok(t *testing.T, a answer) answer {
	t.Helper()
	contractShape(t, a)
	if a.code() != 0 {
		t.Fatalf("status_code %d (%s); want 0", a.code(), a.str("status_msg"))
	}
	return a
}

// refused fails the test unless the answer is a business error that follows the transport rules.
func refused(t *testing.T, a answer) answer {
	t.Helper()
	contractShape(t, a)
	if a.code() == 0 {
		t.Fatalf("status_code 0; want an error. body %s", a.raw)
	}
	if a.str("status_msg") == "" {
		t.Fatalf("an error without a status_msg: %s", a.raw)
	}
	return a
}

func contractShape(t *testing.T, a answer) {
	t.Helper()
	if a.httpStatus != http.StatusOK || !strings.HasPrefix(a.contentType, "application/json") {
		t.Fatalf("HTTP %d %q; want 200 application/json. body %s", a.httpStatus, a.contentType, a.raw)
	}
	if _, ok := a.body["status_code"].(json.Number); !ok {
		t.Fatalf("status_code missing or not a number: %s", a.raw)
	}
	if _, ok := a.body["status_msg"].(string); !ok {
		t.Fatalf("status_msg missing or not a string: %s", a.raw)
	}
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

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// objects returns the list field of an answer, failing unless it is a list of objects.
func objects(t *testing.T, a answer, field string) []map[string]any {
	t.Helper()
	raw, isList := a.body[field].([]any)
	if !isList {
		t.Fatalf("%s is not a list: %s", field, a.raw)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		if out[i], isList = v.(map[string]any); !isList {
			t.Fatalf("%s[%d] is not an object: %s", field, i, a.raw)
		}
	}
	return out
}
