package middleware

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/common/ut"
	"github.com/cloudwego/hertz/pkg/route"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/limit"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// loginRig is a login route behind the admission handlers, as the router places them, whose
// handler answers whatever the test says for each password and counts its calls.
type loginRig struct {
	engine *route.Engine
	clock  *testClock
	mu     sync.Mutex
	calls  int
}

func newLoginRig(t *testing.T, cfg AdmissionConfig) *loginRig {
	t.Helper()
	r := &loginRig{clock: &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
	cfg.MaxInFlight, cfg.RateLimits, cfg.Now = 100, true, r.clock.now
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")} // the test's peer
	a := NewAdmission(cfg, nil)
	handle := func(_ context.Context, c *app.RequestContext) {
		r.mu.Lock()
		r.calls++
		r.mu.Unlock()
		e := &errno.Error{Code: 0, Msg: "success"}
		switch c.Query("password") {
		case "wrong":
			e = errno.UserLoginFailed
		case "":
			e = errno.UserInvalidPassword
		}
		WriteStatus(c, http.StatusOK, e)
	}
	r.engine = route.NewEngine(config.NewOptions(nil))
	r.engine.POST("/login/", a.InFlight(nil), a.Before(LoginPerIP, nil), a.After(LoginPerIP, nil), handle)
	r.engine.POST("/register/", a.InFlight(nil), a.Before(RegisterPerIP, nil), handle)
	return r
}

func (r *loginRig) post(t *testing.T, path, from, user, password string) int32 {
	t.Helper()
	w := ut.PerformRequest(r.engine, http.MethodPost, path+"?username="+user+"&password="+password, nil,
		ut.Header{Key: "X-Forwarded-For", Value: from})
	var body struct {
		StatusCode int32 `json:"status_code"`
	}
	if err := json.Unmarshal(w.Result().Body(), &body); err != nil {
		t.Fatalf("%s: %s", path, w.Result().Body())
	}
	return body.StatusCode
}

func (r *loginRig) called() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// Only failed logins count: many good ones from one address and one account pass; past the
// failure budget of an account the next login, even with the right password, is refused without
// calling the service, until the budget refills.
func TestLoginCountsFailuresPerAccount(t *testing.T) {
	r := newLoginRig(t, AdmissionConfig{
		LoginFailures:   limit.Rate{Events: 100, Per: time.Minute, Burst: 100},
		AccountFailures: limit.Rate{Events: 3, Per: time.Minute, Burst: 3},
	})
	for i := range 50 {
		if code := r.post(t, "/login/", "198.51.100.7", "alice", "right"); code != 0 {
			t.Fatalf("good login #%d = %d; want 0", i+1, code)
		}
	}
	for i := range 3 {
		if code := r.post(t, "/login/", "198.51.100.7", "alice", "wrong"); code != errno.UserLoginFailed.Code {
			t.Fatalf("failed login #%d = %d; want 11002", i+1, code)
		}
	}
	before := r.called()
	for _, pw := range []string{"wrong", "right"} {
		if code := r.post(t, "/login/", "203.0.113.9", "alice", pw); code != errno.RateLimited.Code {
			t.Fatalf("login of alice (%s) after 3 failures = %d; want 10009 from any address", pw, code)
		}
	}
	if r.called() != before {
		t.Fatal("a login refused for its account's failures still called the service")
	}
	if code := r.post(t, "/login/", "198.51.100.7", "bob", "right"); code != 0 {
		t.Fatalf("another account's login = %d; want 0", code)
	}
	r.clock.advance(20 * time.Second) // one failure's worth at 3 a minute
	if code := r.post(t, "/login/", "198.51.100.7", "alice", "right"); code != 0 {
		t.Fatalf("login 20 s later = %d; want it admitted", code)
	}
}

// Failed logins from one address over many accounts (credential stuffing) are stopped per
// address; a refusal for input (nothing to guess) or a success costs nothing.
func TestLoginCountsFailuresPerAddress(t *testing.T) {
	r := newLoginRig(t, AdmissionConfig{
		LoginFailures:   limit.Rate{Events: 4, Per: time.Hour, Burst: 4},
		AccountFailures: limit.Rate{Events: 100, Per: time.Minute, Burst: 100},
	})
	for range 10 {
		if code := r.post(t, "/login/", "198.51.100.7", "x", ""); code != errno.UserInvalidPassword.Code {
			t.Fatalf("a login without password = %d; want 11005", code)
		}
	}
	for i, user := range []string{"u1", "u2", "u3", "u4"} {
		if code := r.post(t, "/login/", "198.51.100.7", user, "wrong"); code != errno.UserLoginFailed.Code {
			t.Fatalf("failed login #%d = %d; want 11002", i+1, code)
		}
	}
	before := r.called()
	if code := r.post(t, "/login/", "198.51.100.7", "u5", "right"); code != errno.RateLimited.Code {
		t.Fatalf("a 5th account from the address = %d; want 10009", code)
	}
	if r.called() != before {
		t.Fatal("a login refused for its address's failures still called the service")
	}
	if code := r.post(t, "/login/", "198.51.100.8", "u5", "right"); code != 0 {
		t.Fatalf("the same account from another address = %d; want 0", code)
	}
}

// Many logins at once on the last token of the failure budget cannot all pass: each takes a
// token before it calls, so at most the burst of wrong passwords reaches the service.
func TestConcurrentFailuresStayWithinTheBudget(t *testing.T) {
	r := newLoginRig(t, AdmissionConfig{
		LoginFailures:   limit.Rate{Events: 1, Per: time.Hour, Burst: 5},
		AccountFailures: limit.Rate{Events: 1, Per: time.Hour, Burst: 100},
	})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			ut.PerformRequest(r.engine, http.MethodPost, "/login/?username=alice&password=wrong", nil,
				ut.Header{Key: "X-Forwarded-For", Value: "198.51.100.7"})
		})
	}
	wg.Wait()
	if r.called() != 5 {
		t.Fatalf("%d wrong passwords reached the service; want the burst of 5", r.called())
	}
}

// Registration counts what cost something (here any answer but input refused), per address.
func TestRegisterCountsWhatCosts(t *testing.T) {
	r := newLoginRig(t, AdmissionConfig{Register: limit.Rate{Events: 1, Per: time.Hour, Burst: 2}})
	for range 10 {
		if code := r.post(t, "/register/", "198.51.100.7", "x", ""); code != errno.UserInvalidPassword.Code {
			t.Fatalf("a register without password = %d; want 11005, free", code)
		}
	}
	for i, want := range []int32{0, 0, errno.RateLimited.Code} {
		if code := r.post(t, "/register/", "198.51.100.7", "x", "pw"); code != want {
			t.Fatalf("register #%d = %d; want %d", i+1, code, want)
		}
	}
}

// The cost rules of the answers.
func TestWhatCosts(t *testing.T) {
	for _, e := range []*errno.Error{errno.BadRequest, errno.ServiceUnavailable, errno.UserInvalidName, errno.UserInvalidPassword} {
		if !registrationCostNothing(e.Code) {
			t.Errorf("a registration answered %d counted; it hashed nothing", e.Code)
		}
	}
	for _, code := range []int32{0, errno.UserAlreadyExists.Code, errno.Timeout.Code, errno.OutcomeUnknown.Code} {
		if registrationCostNothing(code) {
			t.Errorf("a registration answered %d is free; it created an account or hashed a password", code)
		}
	}
	if loginDidNotFail(errno.UserLoginFailed.Code) || !loginDidNotFail(0) || !loginDidNotFail(errno.Timeout.Code) {
		t.Error("only 11002 is a failed login")
	}
}
