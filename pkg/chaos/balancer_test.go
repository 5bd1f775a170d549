package chaos

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// gateway is a stand-in gateway: its API answers status 0 and counts, its /readyz answers ready.
type gateway struct {
	srv   *httptest.Server
	hits  atomic.Int64
	ready atomic.Bool
}

func newGateway(t *testing.T) *gateway {
	g := &gateway{}
	g.ready.Store(true)
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			if !g.ready.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
			return
		}
		g.hits.Add(1)
		_, _ = w.Write([]byte(`{"status_code":0}`))
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) backend() backend { return backend{base: g.srv.URL, readyz: g.srv.URL + "/readyz"} }

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestBalancerRoundRobinOverReadyGateways(t *testing.T) {
	a, b := newGateway(t), newGateway(t)
	lb := newBalancer([]backend{a.backend(), b.backend()})
	defer lb.close()
	api := newAPI("", 5*time.Second, 4).balanced(lb)
	for range 10 {
		if ans := api.get(context.Background(), "/douyin/feed/", url.Values{}); !ans.ok() {
			t.Fatalf("answer %s", ans.describe())
		}
	}
	if a.hits.Load() != 5 || b.hits.Load() != 5 {
		t.Fatalf("hits %d and %d, want 5 and 5", a.hits.Load(), b.hits.Load())
	}
	b.ready.Store(false)
	time.Sleep(3 * balancerPoll)
	for range 6 {
		api.get(context.Background(), "/douyin/feed/", url.Values{})
	}
	if a.hits.Load() != 11 || b.hits.Load() != 5 {
		t.Fatalf("after b turned unready: hits %d and %d, want 11 and 5", a.hits.Load(), b.hits.Load())
	}
}

func TestBalancerSendsARefusedRequestElsewhere(t *testing.T) {
	a := newGateway(t)
	dead := "http://" + closedPort(t)
	lb := newBalancer([]backend{{base: dead, readyz: dead + "/readyz"}, a.backend()})
	defer lb.close()
	api := newAPI("", 5*time.Second, 4).balanced(lb)
	// Before the first poll both count as ready: half the requests go to the dead one first.
	for range 4 {
		if ans := api.post(context.Background(), "/douyin/comment/action/", url.Values{}); !ans.ok() {
			t.Fatalf("a refused connection was not sent on: %s", ans.describe())
		}
	}
	if a.hits.Load() != 4 {
		t.Fatalf("hits %d, want 4", a.hits.Load())
	}
}

func TestBalancerWithEveryGatewayRefusingSaysSo(t *testing.T) {
	dead := "http://" + closedPort(t)
	lb := newBalancer([]backend{{base: dead, readyz: dead + "/readyz"}})
	defer lb.close()
	ans := newAPI("", time.Second, 1).balanced(lb).get(context.Background(), "/", url.Values{})
	if ans.Err == nil || !refusedBeforeSending(ans.Err) {
		t.Fatalf("answer %s, want the refusal", ans.describe())
	}
}

func TestInFlightAtKill(t *testing.T) {
	t0 := time.Unix(1000, 0)
	kills := []kill{{at: t0.Add(time.Second), kinds: []Kind{KindComment}}}
	cases := []struct {
		start, end time.Duration
		want       bool
	}{
		{0, 500 * time.Millisecond, false},                      // answered before
		{900 * time.Millisecond, 1100 * time.Millisecond, true}, // under way
		{time.Second, 1200 * time.Millisecond, true},            // sent at the very moment
		{1100 * time.Millisecond, 1300 * time.Millisecond, false},
	}
	for _, c := range cases {
		if got := inFlightAtKill(kills, t0.Add(c.start), t0.Add(c.end)); got != c.want {
			t.Errorf("[%s, %s): %v, want %v", c.start, c.end, got, c.want)
		}
	}
	r := newResult("kill -9 comment ×1")
	r.Kills = kills
	writes := []Write{
		{Seq: 0, Kind: KindComment, Attempts: []Attempt{{Start: t0.Add(900 * time.Millisecond), Latency: 200 * time.Millisecond}}},
		{Seq: 1, Kind: KindLike, Attempts: []Attempt{{Start: t0.Add(900 * time.Millisecond), Latency: 200 * time.Millisecond}}},
		{Seq: 2, Kind: KindComment, Attempts: []Attempt{{Start: t0, Latency: 10 * time.Millisecond}}},
	}
	countInFlight(r, writes)
	if len(r.InFlight) != 1 || r.InFlight[0] != 1 {
		t.Fatalf("in flight %v, want [1]: only the comment under way counts", r.InFlight)
	}
}
