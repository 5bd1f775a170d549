package handler_test

import (
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/cloudwego/hertz/pkg/common/ut"

	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/api-gateway/internal/limit"
	"simpletiktok/api-gateway/internal/middleware"
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
	two := limit.Rate{Events: 1, Per: time.Hour, Burst: 2}
	return middleware.NewAdmission(middleware.AdmissionConfig{MaxInFlight: 100, RateLimits: rateLimits,
		Register: two, Login: two, Publish: two, Writes: two,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")}}, counter) // the test peer
}

// Register and login are limited per client address: past the burst the answer is 10009, and the
// refusal is counted by route. Another address has its own bucket (the test's peer is trusted as
// a proxy, so X-Forwarded-For names the client).
func TestRegisterAndLoginAreLimitedPerAddress(t *testing.T) {
	counter := &routeCounter{routes: map[string]int{}}
	e := admittingGateway(t, fakes.New(), tight(true, counter))
	from := func(ip string) ut.Header { return ut.Header{Key: "X-Forwarded-For", Value: ip} }
	for _, path := range []string{"/douyin/user/register/?username=a&password=b", "/douyin/user/login/?username=a&password=b"} {
		for i, want := range []int64{0, 0, 10009} {
			if body := call(t, e, http.MethodPost, path, from("198.51.100.7")); code(body) != want {
				t.Fatalf("%s #%d = %v; want %d", path, i+1, body, want)
			}
		}
		if body := call(t, e, http.MethodPost, path, from("198.51.100.8")); code(body) != 0 {
			t.Fatalf("%s from another address = %v; want it admitted", path, body)
		}
	}
	// An address a client wrote left of the one the trusted proxy saw is not believed.
	spoofed := from("203.0.113.1, 198.51.100.7")
	if body := call(t, e, http.MethodPost, "/douyin/user/register/?username=a&password=b", spoofed); code(body) != 10009 {
		t.Fatalf("register with a made-up address in front = %v; want the real client's bucket (10009)", body)
	}
	if counter.routes["/douyin/user/register/"] != 2 || counter.routes["/douyin/user/login/"] != 1 {
		t.Fatalf("refusals counted %v", counter.routes)
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
		if body := call(t, e, http.MethodPost, "/douyin/user/register/?username=a&password=b"); code(body) != 0 {
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
