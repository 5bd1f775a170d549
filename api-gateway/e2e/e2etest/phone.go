package e2etest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"simpletiktok/api-gateway/apidocs/conformance"
)

// callTimeout bounds every call of a Phone: the gateway's budget for a request is seconds, so an
// answer that takes this long is a hang, not an outcome.
const callTimeout = 30 * time.Second

// Phone calls one gateway as the mobile client does: the contract's parameters in the query string
// (or, as some tools send them, an urlencoded body; a multipart body to publish), JSON back.
type Phone struct {
	Base string // the gateway's base URL, as devstack gives it
	// Timeout bounds each call (0: 30 s, the bound of a hang).
	Timeout time.Duration
	// Transport sends the calls (nil: http.DefaultTransport, whose keep-alive connections every
	// Phone of the test binary shares).
	Transport http.RoundTripper
}

// Answer is one answer of the gateway, with the HTTP facts the contract fixes.
type Answer struct {
	HTTPStatus  int
	ContentType string
	TraceID     string         // the X-Trace-Id header
	Close       bool           // the answer closes its connection (Connection: close)
	Body        map[string]any // the decoded JSON; its numbers are json.Number (AsInt)
	Raw         []byte

	call string        // method, host and path, for failure messages
	took time.Duration // from sending to the last byte of the answer
}

// Code is the answer's status_code (-1 when it is not an integer).
func (a Answer) Code() int64 { return a.Int("status_code") }

// Int is the integer field key of the body (-1 when absent or not an integer).
func (a Answer) Int(key string) int64 { return AsInt(a.Body[key]) }

// Str is the string field key of the body ("" when absent or not a string).
func (a Answer) Str(key string) string {
	s, _ := a.Body[key].(string)
	return s
}

// Obj is the object field key of the body (nil when absent or not an object).
func (a Answer) Obj(key string) map[string]any {
	m, _ := a.Body[key].(map[string]any)
	return m
}

// List is the list field key of the body, failing the test unless it is a list of objects.
func (a Answer) List(t testing.TB, key string) []map[string]any {
	t.Helper()
	items, isList := a.Body[key].([]any)
	if !isList {
		t.Fatalf("%s is not a list: %s", key, a.Raw)
	}
	out := make([]map[string]any, len(items))
	for i, item := range items {
		if out[i], isList = item.(map[string]any); !isList {
			t.Fatalf("%s[%d] is not an object: %s", key, i, a.Raw)
		}
	}
	return out
}

// Request is method path?params with no body, as the phone sends every call but a publish. Set
// its headers and send it with Do.
func (p Phone) Request(t testing.TB, method, path string, params url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, p.Base+path+"?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// Do sends req and decodes the answer, failing the test unless the answer is JSON. It checks
// nothing else: OK, Refused and ContractShape do.
func (p Phone) Do(t testing.TB, req *http.Request) Answer {
	t.Helper()
	a := Answer{call: req.Method + " " + req.URL.Host + req.URL.Path}
	started := time.Now()
	resp, err := p.Send(req)
	if err != nil {
		t.Fatalf("%s: %v", a.call, err)
	}
	defer resp.Body.Close()
	if a.Raw, err = io.ReadAll(resp.Body); err != nil {
		t.Fatalf("%s: %v", a.call, err)
	}
	a.took = time.Since(started)
	a.HTTPStatus, a.ContentType, a.TraceID, a.Close = resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Trace-Id"), resp.Close
	dec := json.NewDecoder(bytes.NewReader(a.Raw))
	dec.UseNumber()
	if err := dec.Decode(&a.Body); err != nil {
		t.Fatalf("%s: answer is not JSON (HTTP %d): %q", a.call, a.HTTPStatus, a.Raw)
	}
	return a
}

// Send sends req and hands back the HTTP answer as it is, for a goroutine of a test, which must not
// fail it: Do is for the test's own. An answer of the API that does not follow its OpenAPI
// description (api-gateway/apidocs/openapi.yaml) is an error, so every e2e test checks the
// description as it goes (see checkAgainstSpec).
func (p Phone) Send(req *http.Request) (*http.Response, error) {
	sent, err := keepBody(req)
	if err != nil {
		return nil, err
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = callTimeout
	}
	resp, err := (&http.Client{Timeout: timeout, Transport: p.Transport}).Do(req)
	if err != nil {
		return nil, err
	}
	if err := checkAgainstSpec(req, sent, resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

// spec is the OpenAPI description of the API, loaded once for the test binary.
var spec = sync.OnceValues(conformance.New)

// keepBody returns the body req will send, and leaves req able to send it; an upload's multipart
// body (megabytes, and not checked) is not kept.
func keepBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if mediaType, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); strings.HasPrefix(mediaType, "multipart/") {
		return nil, nil
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// checkAgainstSpec checks an answer of the API against the description (conformance.Check); it
// reads the body and puts it back. Media, health and metrics answers are not the API's: their
// bodies are left unread.
func checkAgainstSpec(req *http.Request, sent []byte, resp *http.Response) error {
	checker, err := spec()
	if err != nil {
		return err
	}
	if !strings.HasPrefix(req.URL.Path, "/douyin/") {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return err
	}
	err = checker.Check(req.Context(), conformance.Exchange{
		Method: req.Method, URL: req.URL, Header: req.Header, Body: sent,
		Status: resp.StatusCode, ResponseHeader: resp.Header, ResponseBody: body,
	})
	if err != nil && !errors.Is(err, conformance.ErrNotDescribed) {
		return fmt.Errorf("the answer breaks the API's OpenAPI description (api-gateway/apidocs/openapi.yaml): %w", err)
	}
	return nil
}

// Get sends GET path?params.
func (p Phone) Get(t testing.TB, path string, params url.Values) Answer {
	t.Helper()
	return p.Do(t, p.Request(t, http.MethodGet, path, params))
}

// Post sends POST path?params with an empty body, as the phone does.
func (p Phone) Post(t testing.TB, path string, params url.Values) Answer {
	t.Helper()
	return p.Do(t, p.Request(t, http.MethodPost, path, params))
}

// PostForm sends the parameters as an urlencoded body, as some tools do.
func (p Phone) PostForm(t testing.TB, path string, params url.Values) Answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.Base+path, strings.NewReader(params.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return p.Do(t, req)
}

// OK fails the test unless a is a success that follows the transport rules (ContractShape).
func OK(t testing.TB, a Answer) Answer {
	t.Helper()
	ContractShape(t, a)
	if a.Code() != 0 {
		t.Fatalf("%s: status_code %d (%s) after %s; want 0: %s", a.call, a.Code(), a.Str("status_msg"),
			a.took.Round(time.Millisecond), a.Raw)
	}
	return a
}

// Refused fails the test unless a is a business error, with its status_msg, that follows the
// transport rules (ContractShape).
func Refused(t testing.TB, a Answer) Answer {
	t.Helper()
	ContractShape(t, a)
	if a.Code() == 0 {
		t.Fatalf("%s: status_code 0; want an error. body %s", a.call, a.Raw)
	}
	if a.Str("status_msg") == "" {
		t.Fatalf("%s: an error without a status_msg: %s", a.call, a.Raw)
	}
	return a
}

// ContractShape fails the test unless a follows the transport rules of the contract, whatever its
// outcome: HTTP 200, JSON, a numeric status_code and a string status_msg.
func ContractShape(t testing.TB, a Answer) Answer {
	t.Helper()
	if a.HTTPStatus != http.StatusOK || !strings.HasPrefix(a.ContentType, "application/json") {
		t.Fatalf("%s: HTTP %d %q; want 200 application/json. body %s", a.call, a.HTTPStatus, a.ContentType, a.Raw)
	}
	if _, isNumber := a.Body["status_code"].(json.Number); !isNumber {
		t.Fatalf("%s: status_code missing or not a number: %s", a.call, a.Raw)
	}
	if _, isString := a.Body["status_msg"].(string); !isString {
		t.Fatalf("%s: status_msg missing or not a string: %s", a.call, a.Raw)
	}
	return a
}

// AsInt is a JSON number of an answer as an integer, or -1 when v is none.
func AsInt(v any) int64 {
	n, isNumber := v.(json.Number)
	if !isNumber {
		return -1
	}
	i, err := n.Int64()
	if err != nil {
		return -1
	}
	return i
}

// Vals makes parameters of pairs: Vals("token", tok, "video_id", "7"). An odd last key is dropped.
func Vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// WithID is the object of items whose id is id, or nil.
func WithID(items []map[string]any, id int64) map[string]any {
	for _, it := range items {
		if AsInt(it["id"]) == id {
			return it
		}
	}
	return nil
}

// serial tells apart the names Unique gives within one run.
var serial atomic.Int64

// Unique is prefix followed by a number no other call of this test binary gets: a user name, a
// title or a key of its own (the clock part sets runs apart in the logs). Short enough for a user
// name (at most 32 characters) behind a prefix of up to 18.
func Unique(prefix string) string {
	return fmt.Sprintf("%s%d_%d", prefix, time.Now().UnixNano()%1e9, serial.Add(1))
}
