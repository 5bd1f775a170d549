package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"simpletiktok/api-gateway/apidocs"
)

// The contract's sixteen endpoints (the mobile client's API).
var contract = []string{
	"GET /douyin/feed/", "POST /douyin/user/register/", "POST /douyin/user/login/", "GET /douyin/user/",
	"POST /douyin/publish/action/", "GET /douyin/publish/list/", "POST /douyin/favorite/action/",
	"GET /douyin/favorite/list/", "POST /douyin/comment/action/", "GET /douyin/comment/list/",
	"POST /douyin/relation/action/", "GET /douyin/relation/follow/list/", "GET /douyin/relation/follower/list/",
	"GET /douyin/relation/friend/list/", "GET /douyin/message/chat/", "POST /douyin/message/action/",
}

func checker(t *testing.T) *Checker {
	t.Helper()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type operation struct {
	method, path string
	op           *openapi3.Operation
}

func operations(c *Checker) []operation {
	var ops []operation
	for path, item := range c.Doc().Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, operation{method, path, op})
		}
	}
	slices.SortFunc(ops, func(a, b operation) int { return strings.Compare(a.path+a.method, b.path+b.method) })
	return ops
}

func TestTheDescriptionHasTheContractsSixteenEndpoints(t *testing.T) {
	var got []string
	for _, o := range operations(checker(t)) {
		got = append(got, o.method+" "+o.path)
		if o.op.OperationID == "" || o.op.Summary == "" || o.op.Description == "" {
			t.Errorf("%s %s lacks an operationId, a summary or a description", o.method, o.path)
		}
	}
	want := slices.Clone(contract)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("operations:\n%q\nwant the contract's\n%q", got, want)
	}
}

// request is a request to o that the description calls valid: every required parameter from its
// example, a token, and extra (an example's x-when) on top.
func request(t *testing.T, o operation, extra map[string]any) Exchange {
	t.Helper()
	q := url.Values{"token": {"a-token"}}
	for _, p := range o.op.Parameters {
		if p.Value.Required && p.Value.In == "query" {
			if p.Value.Example == nil {
				t.Fatalf("%s: the required parameter %s has no example", o.op.OperationID, p.Value.Name)
			}
			q.Set(p.Value.Name, fmt.Sprint(p.Value.Example))
		}
	}
	for k, v := range extra {
		q.Set(k, fmt.Sprint(v))
	}
	h := http.Header{}
	if o.op.RequestBody != nil {
		h.Set("Content-Type", "multipart/form-data; boundary=x")
	}
	return Exchange{Method: o.method, URL: &url.URL{Path: o.path, RawQuery: q.Encode()}, Header: h}
}

// answered is ex with an HTTP 200 JSON answer of body.
func answered(ex Exchange, body any) Exchange {
	ex.Status = http.StatusOK
	ex.ResponseHeader = http.Header{"Content-Type": {"application/json; charset=utf-8"}, "X-Trace-Id": {"4bf92f3577b34da6"}}
	switch b := body.(type) {
	case string:
		ex.ResponseBody = []byte(b)
	default:
		ex.ResponseBody, _ = json.Marshal(b)
	}
	return ex
}

func examples(o operation) openapi3.Examples {
	return o.op.Responses.Status(http.StatusOK).Value.Content.Get("application/json").Examples
}

// Every example answer of the description passes its own check, and every operation shows at
// least a success.
func TestEveryExampleFollowsTheDescription(t *testing.T) {
	c := checker(t)
	for _, o := range operations(c) {
		exs := examples(o)
		if exs["ok"] == nil && exs["posted"] == nil {
			t.Errorf("%s has no example of a success", o.op.OperationID)
		}
		for name, ex := range exs {
			when, _ := ex.Value.Extensions["x-when"].(map[string]any)
			if err := c.Check(context.Background(), answered(request(t, o, when), ex.Value.Value)); err != nil {
				t.Errorf("%s example %s: %v", o.op.OperationID, name, err)
			}
		}
	}
}

// The check fails on answers that drift from the description, and on a request the description
// calls invalid that the gateway accepted.
func TestTheCheckFailsOnAnswersThatDoNotFollowTheDescription(t *testing.T) {
	c := checker(t)
	ops := map[string]operation{}
	for _, o := range operations(c) {
		ops[o.op.OperationID] = o
	}
	user := `{"id":1,"name":"a","follow_count":0,"follower_count":0,"is_follow":false,"avatar":"http://h/a.png",` +
		`"background_image":"http://h/b.jpg","signature":"","total_favorited":0,"work_count":0,"favorite_count":0}`
	good := map[string]string{
		"userInfo": `{"status_code":0,"status_msg":"success","user":` + user + `}`,
		"feed":     `{"status_code":0,"status_msg":"success","video_list":[],"next_time":1}`,
	}
	for _, tc := range []struct {
		name, op, body string
		mutate         func(*Exchange)
		wantInErr      string
	}{
		{name: "a listed answer passes", op: "userInfo", body: good["userInfo"]},
		{name: "a field missing", op: "userInfo", body: strings.Replace(good["userInfo"], `"work_count":0,`, "", 1), wantInErr: "work_count"},
		{name: "a field the description lacks", op: "userInfo", body: strings.Replace(good["userInfo"], `"signature":""`, `"signature":"","age":3`, 1), wantInErr: "age"},
		{name: "a number as a string", op: "userInfo", body: strings.Replace(good["userInfo"], `"follow_count":0`, `"follow_count":"0"`, 1), wantInErr: "follow_count"},
		{name: "a flag as a number", op: "userInfo", body: strings.Replace(good["userInfo"], `"is_follow":false`, `"is_follow":0`, 1), wantInErr: "is_follow"},
		{name: "an empty avatar", op: "userInfo", body: strings.Replace(good["userInfo"], `"http://h/a.png"`, `""`, 1), wantInErr: "avatar"},
		{name: "a status_code the operation does not list", op: "feed", body: strings.Replace(good["feed"], `"status_code":0`, `"status_code":12001`, 1), wantInErr: "status_code"},
		{name: "a list as null", op: "feed", body: strings.Replace(good["feed"], `[]`, `null`, 1), wantInErr: "video_list"},
		{name: "status_msg missing", op: "feed", body: strings.Replace(good["feed"], `"status_msg":"success",`, ``, 1), wantInErr: "status_msg"},
		{name: "HTTP 500", op: "feed", body: good["feed"], mutate: func(ex *Exchange) { ex.Status = 500 }, wantInErr: "500"},
		{name: "an HTML answer", op: "feed", body: "<html></html>", mutate: func(ex *Exchange) {
			ex.ResponseHeader.Set("Content-Type", "text/html")
		}, wantInErr: "text/html"},
		{name: "no trace id", op: "feed", body: good["feed"], mutate: func(ex *Exchange) { ex.ResponseHeader.Del("X-Trace-Id") }, wantInErr: "X-Trace-Id"},
		{name: "no token, yet a success", op: "userInfo", body: good["userInfo"], mutate: func(ex *Exchange) {
			q := ex.URL.Query()
			q.Del("token")
			ex.URL.RawQuery = q.Encode()
		}, wantInErr: "request invalid"},
		{name: "no token, refused", op: "userInfo", body: `{"status_code":10002,"status_msg":"log in","user":null}`, mutate: func(ex *Exchange) {
			ex.URL.RawQuery = ""
		}},
		{name: "the token as a bearer header", op: "userInfo", body: good["userInfo"], mutate: func(ex *Exchange) {
			ex.URL.RawQuery = ""
			ex.Header.Set("Authorization", "Bearer a-token")
		}},
		{name: "an empty optional id reads as absent", op: "userInfo", body: good["userInfo"], mutate: func(ex *Exchange) {
			ex.URL.RawQuery = "token=t&user_id="
		}},
		{name: "a malformed id, yet a success", op: "userInfo", body: good["userInfo"], mutate: func(ex *Exchange) {
			ex.URL.RawQuery = "token=t&user_id=abc"
		}, wantInErr: "user_id"},
		{name: "the path without its slash, parameters in a form body", op: "userInfo", body: good["userInfo"], mutate: func(ex *Exchange) {
			ex.URL.Path = strings.TrimSuffix(ex.URL.Path, "/")
			ex.URL.RawQuery = ""
			ex.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			ex.Body = []byte("token=t&user_id=2")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := answered(request(t, ops[tc.op], nil), tc.body)
			if tc.mutate != nil {
				tc.mutate(&ex)
			}
			err := c.Check(context.Background(), ex)
			switch {
			case tc.wantInErr == "" && err != nil:
				t.Errorf("want it to pass; got %v", err)
			case tc.wantInErr != "" && err == nil:
				t.Errorf("want a failure naming %q; it passed", tc.wantInErr)
			case tc.wantInErr != "" && !strings.Contains(err.Error(), tc.wantInErr):
				t.Errorf("want a failure naming %q; got %v", tc.wantInErr, err)
			}
		})
	}
}

func TestPathsOutsideTheDescription(t *testing.T) {
	c := checker(t)
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
		pass         bool
	}{
		{"GET", "/douyin/nothing/", 404, `{"status_code":10005,"status_msg":"no such endpoint"}`, true},
		{"GET", "/douyin/nothing/", 200, `{"status_code":0,"status_msg":"success"}`, false},
		{"GET", "/douyin/user/register/", 405, `{"status_code":10006,"status_msg":"wrong method"}`, true},
		{"GET", "/douyin/user/register/", 404, `{"status_code":10005,"status_msg":"no such endpoint"}`, false},
	} {
		ex := answered(Exchange{Method: tc.method, URL: &url.URL{Path: tc.path}, Header: http.Header{}}, tc.body)
		ex.Status = tc.status
		if err := c.Check(context.Background(), ex); (err == nil) != tc.pass {
			t.Errorf("%s %s answered %d %s: err %v; want pass %v", tc.method, tc.path, tc.status, tc.body, err, tc.pass)
		}
	}
	for _, path := range []string{"/healthz", "/media/x.mp4", "/docs/openapi.yaml"} {
		ex := answered(Exchange{Method: "GET", URL: &url.URL{Path: path}}, "")
		if err := c.Check(context.Background(), ex); !errors.Is(err, ErrNotDescribed) {
			t.Errorf("%s: %v; want ErrNotDescribed", path, err)
		}
	}
}

// A description whose example does not follow its own schema does not load.
func TestAnExampleThatDoesNotFollowItsSchemaIsRefused(t *testing.T) {
	spec := apidocs.Spec()
	bad := bytes.Replace(spec, []byte("value: {status_code: 12004,"), []byte("value: {status_code: 12345,"), 1)
	if bytes.Equal(bad, spec) {
		t.Fatal("the example to alter is not in the description")
	}
	if _, err := Load(bad); err == nil {
		t.Error("a description with an example outside its schema loaded")
	}
}

var tableCode = regexp.MustCompile(`(?m)^\| (\d{5}) \|`)

// Each operation's status_code enum, the table of codes in its description and docs/errors.md
// agree: the reader of /docs sees every code an operation can answer, and when.
func TestEachOperationsCodesAreListedAndExplained(t *testing.T) {
	errorsDoc, err := os.ReadFile("../../../docs/errors.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range tableCode.FindAllStringSubmatch(string(errorsDoc), -1) {
		documented[m[1]] = true
	}
	for _, o := range operations(checker(t)) {
		schema := o.op.Responses.Status(http.StatusOK).Value.Content.Get("application/json").Schema.Value
		var enum []string
		for _, v := range schema.Properties["status_code"].Value.Enum {
			if code := fmt.Sprint(v); code != "0" {
				enum = append(enum, code)
			}
		}
		var table []string
		for _, m := range tableCode.FindAllStringSubmatch(o.op.Description, -1) {
			table = append(table, m[1])
		}
		if !slices.Equal(enum, table) {
			t.Errorf("%s: status_code lists %v, its description's table %v", o.op.OperationID, enum, table)
		}
		for _, code := range enum {
			if !documented[code] {
				t.Errorf("%s: code %s is not in docs/errors.md", o.op.OperationID, code)
			}
		}
		for _, code := range []string{"10000", "10001", "10008"} {
			if !slices.Contains(enum, code) {
				t.Errorf("%s: every endpoint can answer %s; its status_code does not list it", o.op.OperationID, code)
			}
		}
		if !slices.IsSortedFunc(enum, func(a, b string) int { x, _ := strconv.Atoi(a); y, _ := strconv.Atoi(b); return x - y }) {
			t.Errorf("%s: status_code is not in order: %v", o.op.OperationID, enum)
		}
	}
}

// A FriendUser is a User and the latest message: the two schemas are written out apart (so that
// each can refuse fields it does not have) and must not drift from each other.
func TestFriendUserIsUserAndTheLatestMessage(t *testing.T) {
	schemas := checker(t).Doc().Components.Schemas
	user, friend := schemas["User"].Value, schemas["FriendUser"].Value
	for name, p := range user.Properties {
		f := friend.Properties[name]
		if f == nil || !f.Value.Type.Is(p.Value.Type.Slice()[0]) || f.Value.Pattern != p.Value.Pattern {
			t.Errorf("FriendUser.%s differs from User.%s", name, name)
		}
	}
	want := append(slices.Clone(user.Required), "message", "msgType")
	if !slices.Equal(friend.Required, want) || len(friend.Properties) != len(user.Properties)+2 {
		t.Errorf("FriendUser requires %v; want %v and nothing else", friend.Required, want)
	}
}

// The e2e tests check answers from many goroutines at once through one Checker.
func TestOneCheckerChecksConcurrently(t *testing.T) {
	c := checker(t)
	var exchanges []Exchange
	for _, o := range operations(c) {
		if ok := examples(o)["ok"]; ok != nil {
			exchanges = append(exchanges, answered(request(t, o, nil), ok.Value.Value))
		}
	}
	errs := make(chan error, 8*len(exchanges))
	var wg sync.WaitGroup
	for range 8 {
		for _, ex := range exchanges {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- c.Check(context.Background(), ex)
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
