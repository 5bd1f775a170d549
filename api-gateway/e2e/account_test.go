//go:build integration

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"gopkg.in/yaml.v3"

	"simpletiktok/api-gateway/e2e/e2etest"
)

var userFields = []string{"id", "name", "follow_count", "follower_count", "is_follow", "avatar",
	"background_image", "signature", "total_favorited", "work_count", "favorite_count"}

// account registers a new user and returns its id and token.
func account(t *testing.T, prefix string) (int64, string) {
	t.Helper()
	a := e2etest.OK(t, shared.phone.Post(t, "/douyin/user/register/", e2etest.Vals("username", e2etest.Unique(prefix), "password", "pass-word")))
	return a.Int("user_id"), a.Str("token")
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sameKeys(t *testing.T, what string, m map[string]any, want []string) {
	t.Helper()
	w := append([]string(nil), want...)
	sort.Strings(w)
	if got := keys(m); strings.Join(got, ",") != strings.Join(w, ",") {
		t.Fatalf("%s fields = %v; want exactly %v", what, got, w)
	}
}

func TestRegisterLoginUserInfo(t *testing.T) {
	p := shared.phone
	name := e2etest.Unique("alice")

	reg := e2etest.OK(t, p.Post(t, "/douyin/user/register/", e2etest.Vals("username", name, "password", "s3cret")))
	sameKeys(t, "register answer", reg.Body, []string{"status_code", "status_msg", "user_id", "token"})
	id, token := reg.Int("user_id"), reg.Str("token")
	if id <= 0 || token == "" {
		t.Fatalf("register gave user_id %d, token %q", id, token)
	}

	// The registration token works at once.
	info := e2etest.OK(t, p.Get(t, "/douyin/user/", e2etest.Vals("token", token)))
	u := info.Obj("user")
	sameKeys(t, "user", u, userFields)
	if e2etest.AsInt(u["id"]) != id || u["name"] != name || u["is_follow"] != false || u["signature"] != "" {
		t.Fatalf("user = %v", u)
	}
	for _, f := range []string{"follow_count", "follower_count", "total_favorited", "work_count", "favorite_count"} {
		if e2etest.AsInt(u[f]) != 0 {
			t.Fatalf("a new user has %s = %v", f, u[f])
		}
	}
	for _, f := range []string{"avatar", "background_image"} {
		fetchImage(t, u[f].(string))
	}

	// Login by query string and by urlencoded form both work and name the same user.
	for _, send := range []func(*testing.T, string, map[string][]string) e2etest.Answer{
		func(t *testing.T, path string, v map[string][]string) e2etest.Answer { return p.Post(t, path, v) },
		func(t *testing.T, path string, v map[string][]string) e2etest.Answer { return p.PostForm(t, path, v) },
	} {
		login := e2etest.OK(t, send(t, "/douyin/user/login/", e2etest.Vals("username", name, "password", "s3cret")))
		sameKeys(t, "login answer", login.Body, []string{"status_code", "status_msg", "user_id", "token"})
		if login.Int("user_id") != id || login.Str("token") == "" {
			t.Fatalf("login = %s", login.Raw)
		}
	}

	// Another user's profile, by user_id.
	otherID, _ := account(t, "bob")
	other := e2etest.OK(t, p.Get(t, "/douyin/user/", e2etest.Vals("token", token, "user_id", fmt.Sprint(otherID))))
	if e2etest.AsInt(other.Obj("user")["id"]) != otherID {
		t.Fatalf("user_id %d answered %s", otherID, other.Raw)
	}

	// The slash-less path is served too, and a bearer header is accepted.
	req, _ := http.NewRequest(http.MethodGet, shared.stack.GatewayURL()+"/douyin/user", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if got := e2etest.OK(t, p.Do(t, req)); e2etest.AsInt(got.Obj("user")["id"]) != id {
		t.Fatalf("bearer request answered %s", got.Raw)
	}
}

func TestRegisterRefusals(t *testing.T) {
	p := shared.phone
	name := e2etest.Unique("dup")
	e2etest.OK(t, p.Post(t, "/douyin/user/register/", e2etest.Vals("username", name, "password", "pw")))
	dup := e2etest.Refused(t, p.Post(t, "/douyin/user/register/", e2etest.Vals("username", name, "password", "pw")))
	if tok, present := dup.Body["token"]; !present || tok != "" || dup.Int("user_id") != 0 {
		t.Fatalf("duplicate register answer = %s; want token \"\" and user_id 0 present", dup.Raw)
	}

	cases := map[string][]string{
		"no username":       {"password", "pw"},
		"empty username":    {"username", "", "password", "pw"},
		"33 char username":  {"username", strings.Repeat("u", 33), "password", "pw"},
		"username w/ space": {"username", "a b", "password", "pw"},
		"no password":       {"username", e2etest.Unique("np")},
		"33 char password":  {"username", e2etest.Unique("lp"), "password", strings.Repeat("p", 33)},
	}
	for what, kv := range cases {
		t.Run(what, func(t *testing.T) {
			a := e2etest.Refused(t, p.Post(t, "/douyin/user/register/", e2etest.Vals(kv...)))
			if a.Str("token") != "" {
				t.Fatalf("a refused register issued a token: %s", a.Raw)
			}
		})
	}
}

func TestConcurrentRegistrationOfOneName(t *testing.T) {
	name := e2etest.Unique("race")
	const n = 10
	var wg sync.WaitGroup
	codes := make([]int64, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes[i] = shared.phone.Post(t, "/douyin/user/register/", e2etest.Vals("username", name, "password", "pw")).Code()
		}(i)
	}
	wg.Wait()
	wins := 0
	for _, c := range codes {
		if c == 0 {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d concurrent registrations of one name succeeded (codes %v); want 1", wins, n, codes)
	}
}

func TestLoginDoesNotTellWhichHalfIsWrong(t *testing.T) {
	p := shared.phone
	name := e2etest.Unique("carol")
	e2etest.OK(t, p.Post(t, "/douyin/user/register/", e2etest.Vals("username", name, "password", "right")))
	wrongPassword := e2etest.Refused(t, p.Post(t, "/douyin/user/login/", e2etest.Vals("username", name, "password", "wrong")))
	unknownUser := e2etest.Refused(t, p.Post(t, "/douyin/user/login/", e2etest.Vals("username", name+"x", "password", "right")))
	if wrongPassword.Code() != unknownUser.Code() || wrongPassword.Str("status_msg") != unknownUser.Str("status_msg") {
		t.Fatalf("answers differ: %s vs %s", wrongPassword.Raw, unknownUser.Raw)
	}
	if wrongPassword.Str("token") != "" {
		t.Fatalf("a failed login issued a token: %s", wrongPassword.Raw)
	}
}

func TestUserInfoRefusals(t *testing.T) {
	p := shared.phone
	_, token := account(t, "dave")
	for what, kv := range map[string][]string{
		"unknown user":   {"token", token, "user_id", "999999999"},
		"non-numeric id": {"token", token, "user_id", "abc"},
		"negative id":    {"token", token, "user_id", "-3"},
		"overflowing id": {"token", token, "user_id", "99999999999999999999999"},
		"no token":       {"user_id", "1"},
		"garbage token":  {"token", "garbage", "user_id", "1"},
	} {
		t.Run(what, func(t *testing.T) {
			a := e2etest.Refused(t, p.Get(t, "/douyin/user/", e2etest.Vals(kv...)))
			if _, present := a.Body["user"]; !present {
				t.Fatalf("the user field is absent: %s", a.Raw)
			}
		})
	}
}

// Tokens the gateway did not issue, or no longer honours, are refused.
func TestForgedAndExpiredTokens(t *testing.T) {
	p := shared.phone
	id, good := account(t, "erin")
	secret := devSecret(t)
	sign := func(method jwt.SigningMethod, key any, claims jwt.RegisteredClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	sub := fmt.Sprint(id)
	later := jwt.NewNumericDate(time.Now().Add(time.Hour))
	tokens := map[string]string{
		"expired":   sign(jwt.SigningMethodHS256, []byte(secret), jwt.RegisteredClaims{Issuer: "simple-tiktok", Subject: sub, ExpiresAt: jwt.NewNumericDate(time.Now().Add(-time.Minute))}),
		"other key": sign(jwt.SigningMethodHS256, []byte("not-the-secret"), jwt.RegisteredClaims{Issuer: "simple-tiktok", Subject: sub, ExpiresAt: later}),
		"alg none":  sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.RegisteredClaims{Issuer: "simple-tiktok", Subject: sub, ExpiresAt: later}),
		"truncated": good[:len(good)-5],
		"malformed": "a.b.c",
	}
	for what, tok := range tokens {
		t.Run(what, func(t *testing.T) {
			a := e2etest.Refused(t, p.Get(t, "/douyin/user/", e2etest.Vals("token", tok)))
			if a.Code() != 10002 {
				t.Fatalf("status_code %d; want 10002 (unauthorized)", a.Code())
			}
		})
	}
	// The genuine token still works.
	e2etest.OK(t, p.Get(t, "/douyin/user/", e2etest.Vals("token", good)))
}

// devSecret reads the development JWT secret from the committed gateway config.
func devSecret(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(shared.root, "api-gateway", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		JWT struct {
			Secret string `yaml:"secret"`
		} `yaml:"jwt"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil || cfg.JWT.Secret == "" {
		t.Fatalf("read jwt secret: %v", err)
	}
	return cfg.JWT.Secret
}

func fetchImage(t *testing.T, url string) {
	t.Helper()
	if !strings.HasPrefix(url, shared.stack.GatewayURL()+"/") {
		t.Fatalf("media URL %q is not an absolute URL under the gateway", url)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
		t.Fatalf("GET %s: HTTP %d %q", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
