package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"simpletiktok/pkg/errno"
)

func code(c *errno.Error) *int32 { return &c.Code }

func TestHTTPObserveLabelsAndOutcome(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, err := NewHTTP(reg)
	if err != nil {
		t.Fatal(err)
	}
	ok := int32(0)
	answers := []Answer{
		{Route: "/douyin/feed/", Method: "GET", HTTPStatus: 200, Code: &ok, Elapsed: 3 * time.Millisecond},
		{Route: "/douyin/user/login/", Method: "POST", HTTPStatus: 200, Code: code(errno.UserLoginFailed), Elapsed: time.Millisecond},
		{Route: "/douyin/feed/", Method: "GET", HTTPStatus: 200, Code: code(errno.ServiceUnavailable), Elapsed: time.Second},
		{Route: "/douyin/feed/", Method: "GET", HTTPStatus: 200, Code: code(errno.Internal), Elapsed: time.Second},
		{Route: "/static/*filepath", Method: "GET", HTTPStatus: 206, Elapsed: time.Millisecond},
		{Route: "/static/*filepath", Method: "GET", HTTPStatus: 404, Elapsed: time.Millisecond},
		{Route: "unmatched", Method: "BREW", HTTPStatus: 200, Code: code(errno.NotFound), Elapsed: time.Millisecond},
	}
	for _, a := range answers {
		h.Observe(a)
	}
	want := map[[4]string]float64{
		{"/douyin/feed/", "GET", "0", OutcomeOK}:                  1,
		{"/douyin/user/login/", "POST", "11002", OutcomeBizError}: 1,
		{"/douyin/feed/", "GET", "10004", OutcomeServerError}:     1,
		{"/douyin/feed/", "GET", "10000", OutcomeServerError}:     1,
		{"/static/*filepath", "GET", NoCode, OutcomeOK}:           1,
		{"/static/*filepath", "GET", NoCode, OutcomeBizError}:     1,
		{"unmatched", otherValue, "10005", OutcomeBizError}:       1,
	}
	for l, n := range want {
		if got := testutil.ToFloat64(h.requests.WithLabelValues(l[0], l[1], l[2], l[3])); got != n {
			t.Errorf("requests %v = %v; want %v", l, got, n)
		}
	}
	if got := histogramCount(t, reg, "tiktok_http_request_duration_seconds", map[string]string{"route": "/douyin/feed/", "method": "GET"}); got != 3 {
		t.Errorf("feed latency samples = %d; want 3", got)
	}
}

func TestHTTPExemplarCarriesTheSampledTraceID(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, err := NewHTTP(reg)
	if err != nil {
		t.Fatal(err)
	}
	h.Observe(Answer{Route: "/douyin/feed/", Method: "GET", HTTPStatus: 200, Elapsed: 20 * time.Millisecond, TraceID: "4bf92f3577b34da6"})
	h.Observe(Answer{Route: "/douyin/user/", Method: "GET", HTTPStatus: 200, Elapsed: 20 * time.Millisecond}) // unsampled

	var found bool
	for _, b := range series(t, reg, "tiktok_http_request_duration_seconds", map[string]string{"route": "/douyin/feed/"}).GetHistogram().GetBucket() {
		if ex := b.GetExemplar(); ex != nil {
			if found {
				t.Fatal("one observation left exemplars in two buckets")
			}
			found = true
			if b.GetUpperBound() != 0.025 || ex.GetLabel()[0].GetValue() != "4bf92f3577b34da6" {
				t.Fatalf("exemplar %v in bucket le=%v; want trace 4bf92f3577b34da6 in le=0.025", ex, b.GetUpperBound())
			}
		}
	}
	if !found {
		t.Fatal("no exemplar for a sampled request")
	}
	for _, b := range series(t, reg, "tiktok_http_request_duration_seconds", map[string]string{"route": "/douyin/user/"}).GetHistogram().GetBucket() {
		if b.GetExemplar() != nil {
			t.Fatal("an unsampled request left an exemplar linking to no trace")
		}
	}
}

func TestHTTPRouteLabelIsBounded(t *testing.T) {
	h, err := NewHTTP(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 150 {
		h.Observe(Answer{Route: "/r" + string(rune('A'+i%50)) + string(rune('A'+i/50)), Method: "GET", HTTPStatus: 200})
	}
	if got := testutil.ToFloat64(h.requests.WithLabelValues(otherValue, "GET", NoCode, OutcomeOK)); got != 50 {
		t.Fatalf("requests past the route limit = %v; want 50 folded into other", got)
	}
}

func TestInFlight(t *testing.T) {
	h, err := NewHTTP(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	end1, end2 := h.Begin(), h.Begin()
	if got := testutil.ToFloat64(h.inFlight); got != 2 {
		t.Fatalf("in flight = %v; want 2", got)
	}
	end1()
	end2()
	if got := testutil.ToFloat64(h.inFlight); got != 0 {
		t.Fatalf("in flight after both ended = %v; want 0", got)
	}
}
