package handler_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/cloudwego/hertz/pkg/common/ut"

	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/limit"
)

type routeCounter struct {
	mu     sync.Mutex
	routes map[string]int
}

func (r *routeCounter) RateLimited(route string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.routes[route]++
}

// tight is an admission control whose buckets hold two requests and refill once an hour, so a
// test sees the burst and then the refusals.
func tight(rateLimits bool, counter middleware.RateCounter) *middleware.Admission {
	return middleware.NewAdmission(tightConfig(rateLimits), counter)
}

func tightConfig(rateLimits bool) middleware.AdmissionConfig {
	two := limit.Rate{Events: 1, Per: time.Hour, Burst: 2}
	return middleware.AdmissionConfig{MaxInFlight: 100, RateLimits: rateLimits,
		Register: two, LoginFailures: two, AccountFailures: two, Publish: two, Writes: two,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")}} // the test peer
}

// clock is the admission's clock in a test: it moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func from(ip string) ut.Header { return ut.Header{Key: "X-Forwarded-For", Value: ip} }

const (
	register = "/douyin/user/register/?username=a&password=b"
	login    = "/douyin/user/login/?password=b&username="
)

// Registration is limited per client address by what it costs: an account created or a password
// hashed (a taken name) takes a token, a registration refused for its input does not. Past the
// burst the answer is 10009 without a call, counted by route. Another address has its own
// bucket (the test's peer is trusted as a proxy, so X-Forwarded-For names the client).
func TestRegisterIsLimitedPerAddressByWhatItCosts(t *testing.T) {
	counter := &routeCounter{routes: map[string]int{}}
	b := fakes.New()
	e := admittingGateway(t, b, tight(true, counter))
	b.FailNext("user.Register", fakes.BizErr(errno.UserInvalidName), fakes.BizErr(errno.UserInvalidPassword),
		fakes.BizErr(errno.UserInvalidName), fakes.BizErr(errno.UserAlreadyExists))
	for i, want := range []int64{11004, 11005, 11004, 11001, 0, 10009} {
		if body := call(t, e, http.MethodPost, register, from("198.51.100.7")); code(body) != want || body["token"] != "" && want != 0 {
			t.Fatalf("register #%d = %v; want %d", i+1, body, want)
		}
	}
	if calls := b.Calls("user.Register"); calls != 5 {
		t.Fatalf("%d calls of user.Register; the refused one must not call", calls)
	}
	if body := call(t, e, http.MethodPost, register, from("198.51.100.8")); code(body) != 0 {
		t.Fatalf("register from another address = %v; want it admitted", body)
	}
	// An address a client wrote left of the one the trusted proxy saw is not believed.
	if body := call(t, e, http.MethodPost, register, from("203.0.113.1, 198.51.100.7")); code(body) != 10009 {
		t.Fatalf("register with a made-up address in front = %v; want the real client's bucket (10009)", body)
	}
	if counter.routes["/douyin/user/register/"] != 2 {
		t.Fatalf("refusals counted %v", counter.routes)
	}
}

// From a peer that is not a trusted proxy, X-Forwarded-For is ignored: a forged one does not give
// a new bucket.
func TestForgedForwardedForFromAnUntrustedPeer(t *testing.T) {
	cfg := tightConfig(true)
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} // not the test peer
	e := admittingGateway(t, fakes.New(), middleware.NewAdmission(cfg, nil))
	for i, ip := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"} {
		want := int64(0)
		if i >= 2 {
			want = 10009
		}
		if body := call(t, e, http.MethodPost, register, from(ip)); code(body) != want {
			t.Fatalf("register #%d claiming %s = %v; want %d (the peer's one bucket)", i+1, ip, body, want)
		}
	}
}

// IPv6 clients are limited by their /64; IPv4-mapped addresses are their IPv4 address.
func TestIPv6ClientsShareTheirSlash64(t *testing.T) {
	e := admittingGateway(t, fakes.New(), tight(true, nil))
	for i, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2:aaaa:bbbb:cccc:dddd"} {
		if body := call(t, e, http.MethodPost, register, from(ip)); code(body) != 0 {
			t.Fatalf("register #%d = %v; want 0", i+1, body)
		}
	}
	if body := call(t, e, http.MethodPost, register, from("2001:db8:1:2::ffff")); code(body) != 10009 {
		t.Fatalf("a third address of the same /64 = %v; want 10009", body)
	}
	if body := call(t, e, http.MethodPost, register, from("2001:db8:1:3::1")); code(body) != 0 {
		t.Fatalf("another /64 = %v; want its own bucket", body)
	}
	call(t, e, http.MethodPost, register, from("198.51.100.9"))
	call(t, e, http.MethodPost, register, from("198.51.100.9"))
	if body := call(t, e, http.MethodPost, register, from("::ffff:198.51.100.9")); code(body) != 10009 {
		t.Fatalf("an IPv4-mapped address = %v; want the IPv4 address's bucket", body)
	}
}

// Successful logins are not limited: a suite logging in 100 times from one address, as one
// account, passes even with budgets of two.
func TestSuccessfulLoginsAreNotLimited(t *testing.T) {
	b := fakes.New()
	e := admittingGateway(t, b, tight(true, nil))
	for i := range 100 {
		if body := call(t, e, http.MethodPost, login+"alice", from("198.51.100.7")); code(body) != 0 || body["token"] == "" {
			t.Fatalf("login #%d = %v; want a token", i+1, body)
		}
	}
}

// Failed logins are counted per account: the 11th failure of one account within a minute is
// 10009 without calling the user service, from whatever address, also with the right password;
// other accounts are not affected; a minute later the account may try again.
func TestFailedLoginsAreLimitedPerAccount(t *testing.T) {
	clk := newClock()
	counter := &routeCounter{routes: map[string]int{}}
	cfg := tightConfig(true)
	cfg.LoginFailures = limit.Rate{Events: 1000, Per: time.Minute, Burst: 1000}
	cfg.AccountFailures = limit.Rate{Events: 10, Per: time.Minute, Burst: 10}
	cfg.Now = clk.now
	b := fakes.New()
	e := admittingGateway(t, b, middleware.NewAdmission(cfg, counter))
	b.Fail("user.Login", fakes.BizErr(errno.UserLoginFailed))
	for i := range 10 {
		if body := call(t, e, http.MethodPost, login+"alice", from(fmt.Sprintf("198.51.100.%d", i))); code(body) != 11002 {
			t.Fatalf("failed login #%d = %v; want 11002", i+1, body)
		}
	}
	calls := b.Calls("user.Login")
	b.Fail("user.Login", nil) // the right password from now on
	body := call(t, e, http.MethodPost, login+"alice", from("203.0.113.50"))
	if code(body) != 10009 || body["token"] != "" || num(body["user_id"]) != 0 {
		t.Fatalf("the 11th login of alice = %v; want 10009 with token \"\" and user_id 0", body)
	}
	if b.Calls("user.Login") != calls {
		t.Fatal("a login refused for its account's failures called the user service")
	}
	if counter.routes["/douyin/user/login/"] != 1 {
		t.Fatalf("refusals counted %v", counter.routes)
	}
	if body := call(t, e, http.MethodPost, login+"bob", from("198.51.100.1")); code(body) != 0 {
		t.Fatalf("another account's login = %v; want 0", body)
	}
	clk.advance(time.Minute)
	if body := call(t, e, http.MethodPost, login+"alice", from("198.51.100.1")); code(body) != 0 {
		t.Fatalf("alice's login a minute later = %v; want 0", body)
	}
}

// Failed logins are counted per address too: one address guessing many accounts' passwords
// (credential stuffing) is stopped, another address is not.
func TestFailedLoginsAreLimitedPerAddress(t *testing.T) {
	b := fakes.New()
	e := admittingGateway(t, b, tight(true, nil))
	b.Fail("user.Login", fakes.BizErr(errno.UserLoginFailed))
	for i, want := range []int64{11002, 11002, 10009} {
		if body := call(t, e, http.MethodPost, login+fmt.Sprint("victim", i), from("198.51.100.7")); code(body) != want {
			t.Fatalf("failed login #%d = %v; want %d", i+1, body, want)
		}
	}
	if b.Calls("user.Login") != 2 {
		t.Fatalf("%d calls of user.Login; want the 2 admitted", b.Calls("user.Login"))
	}
	b.Fail("user.Login", nil)
	if body := call(t, e, http.MethodPost, login+"victim9", from("198.51.100.8")); code(body) != 0 {
		t.Fatalf("a login from another address = %v; want 0", body)
	}
}

// The other writes are limited per user: one user past the burst is refused with the endpoint's
// own shape, another user is not, and reads are not limited.
func TestWritesAreLimitedPerUser(t *testing.T) {
	e := admittingGateway(t, fakes.New(), tight(true, nil))
	like := "/douyin/favorite/action/?video_id=3&action_type=1&token="
	for i, want := range []int64{0, 0, 10009} {
		if body := call(t, e, http.MethodPost, like+"u7"); code(body) != want {
			t.Fatalf("like #%d = %v; want %d", i+1, body, want)
		}
	}
	if body := call(t, e, http.MethodPost, like+"u8"); code(body) != 0 {
		t.Fatalf("another user's like = %v; want it admitted", body)
	}
	body := call(t, e, http.MethodPost, "/douyin/comment/action/?video_id=3&action_type=1&comment_text=hi&token=u7")
	if code(body) != 10009 || body["comment"] != nil {
		t.Fatalf("a comment past the limit = %v; want 10009 with comment null", body)
	}
	if _, present := body["comment"]; !present {
		t.Fatalf("a refused comment post = %v; want the comment key present", body)
	}
	for range 5 {
		if body := call(t, e, http.MethodGet, "/douyin/favorite/list/?user_id=7&token=u7"); code(body) != 0 {
			t.Fatalf("a read = %v; want reads unlimited", body)
		}
	}
}

// With the rate limits off (TIKTOK_RATE_LIMIT=off) nothing is refused for its rate.
func TestRateLimitsOff(t *testing.T) {
	e := admittingGateway(t, fakes.New(), tight(false, nil))
	for range 5 {
		if body := call(t, e, http.MethodPost, register); code(body) != 0 {
			t.Fatalf("register with limits off = %v", body)
		}
		if body := call(t, e, http.MethodPost, "/douyin/favorite/action/?video_id=3&action_type=1&token=u7"); code(body) != 0 {
			t.Fatalf("like with limits off = %v", body)
		}
	}
}

// Over the cap of requests in flight, a request is answered 10008 at once, in the endpoint's
// shape, whatever it is; once a place is free again, requests are served.
func TestBusyOverTheCapInFlight(t *testing.T) {
	b := fakes.New()
	adm := middleware.NewAdmission(middleware.AdmissionConfig{MaxInFlight: 2}, nil)
	e := admittingGateway(t, b, adm)
	entered, release := b.Hold("video.Feed")
	defer release()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { call(t, e, http.MethodGet, "/douyin/feed/") })
	}
	<-entered
	<-entered // both places are taken by feeds waiting on the video service
	body := call(t, e, http.MethodGet, "/douyin/feed/?latest_time=1700000000000")
	if code(body) != 10008 || !isEmptyList(body["video_list"]) || num(body["next_time"]) != 1_700_000_000_000 {
		t.Fatalf("a feed over the cap = %v; want 10008 with an empty page", body)
	}
	body = call(t, e, http.MethodGet, "/douyin/publish/list/?token=u7&user_id=7")
	if code(body) != 10008 || !isEmptyList(body["video_list"]) {
		t.Fatalf("a list over the cap = %v; want 10008 with []", body)
	}
	if body := call(t, e, http.MethodPost, "/douyin/user/login/?username=a&password=b"); code(body) != 10008 || body["token"] != "" {
		t.Fatalf("a login over the cap = %v; want 10008 with token \"\"", body)
	}
	release()
	wg.Wait()
	if body := call(t, e, http.MethodGet, "/douyin/feed/"); code(body) != 0 {
		t.Fatalf("a feed after the others finished = %v; want it served", body)
	}
}
