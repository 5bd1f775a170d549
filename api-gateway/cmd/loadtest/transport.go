package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

// target is one request the generators send: every parameter is in the query string, as the phone
// sends them, so no request has a body. Its bytes are built once and shared read-only.
type target struct {
	addr string // host:port to dial
	raw  []byte // the whole request
	// stamp is where raw holds stampMark (-1: nowhere). Each sending of such a target writes a
	// number of its own there, in a copy: a post whose text repeats within seconds is taken for a
	// repetition of the first and stores nothing (docs/api.md), so a write scenario's texts must
	// differ at every sending, not only between its variants.
	stamp int
}

// stampMark is the place in a write's text that each sending numbers (target.stamp).
const stampMark = "n000000000000"

// sent counts the sendings of stamped targets, process-wide.
var sent atomic.Uint64

// request returns the bytes to send for t: raw itself, or a copy numbered at its stamp.
func (t target) request() []byte {
	if t.stamp < 0 {
		return t.raw
	}
	out := bytes.Clone(t.raw)
	n := strconv.FormatUint(sent.Add(1), 10)
	copy(out[t.stamp+len(stampMark)-len(n):], n)
	return out
}

func newTarget(method, base, path string, query url.Values) (target, error) {
	u, err := url.Parse(base + path)
	if err != nil {
		return target{}, err
	}
	u.RawQuery = query.Encode()
	if u.Scheme != "http" {
		return target{}, fmt.Errorf("%s: only http:// is supported", base)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	raw := rawRequest(method, u.Host, u.RequestURI())
	return target{addr: addr, raw: raw, stamp: bytes.Index(raw, []byte(stampMark))}, nil
}

// newClient is the seeding's HTTP/1.1 client, with keep-alives for conns calls in flight: it keeps
// at most conns connections to the host, all of them idle between calls, so that the seeding does
// not open a connection per call. Compression is off: the phone does not ask for it either.
func newClient(conns int, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:         dialer.DialContext,
			MaxConnsPerHost:     conns,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
		// A redirect would be a wrong route; it is answered as it is, and counted as not ok.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// sendWire sends t over a worker's own connection and classifies the answer.
func sendWire(ctx context.Context, w *wireConn, t target) (ok bool, reason string) {
	status, body, err := w.do(ctx, t.request())
	if err == nil && okAnswer(status, body) {
		return true, ""
	}
	return false, failureReason(status, body, err)
}
