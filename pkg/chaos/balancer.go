package chaos

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// balancerPoll is how often the balancer asks each gateway's /readyz, as a load balancer's
// health check does.
const balancerPoll = 100 * time.Millisecond

// backend is one gateway behind the balancer.
type backend struct {
	base   string // public base URL
	readyz string // its admin server's /readyz
}

// balancer does what a load balancer in front of several gateways does: requests go round robin
// to the gateways whose /readyz answered 200 at the last poll (to all of them when none did), and
// a request whose connection was refused, so that nothing of it was sent, goes to the next one.
type balancer struct {
	backends []backend
	ready    []atomic.Bool
	next     atomic.Uint64
	poller   *http.Client
	quit     chan struct{}
	wg       sync.WaitGroup
}

// newBalancer starts polling the backends; close stops it. Every backend starts as ready.
func newBalancer(backends []backend) *balancer {
	b := &balancer{backends: backends, ready: make([]atomic.Bool, len(backends)), quit: make(chan struct{}),
		poller: &http.Client{Timeout: balancerPoll * 5, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}}
	for i := range backends {
		b.ready[i].Store(true)
		b.wg.Go(func() { b.poll(i) })
	}
	return b
}

func (b *balancer) poll(i int) {
	tick := time.NewTicker(balancerPoll)
	defer tick.Stop()
	for {
		b.ready[i].Store(b.readyNow(i))
		select {
		case <-b.quit:
			return
		case <-tick.C:
		}
	}
}

func (b *balancer) readyNow(i int) bool {
	resp, err := b.poller.Get(b.backends[i].readyz)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (b *balancer) close() {
	close(b.quit)
	b.wg.Wait()
}

// pick returns the next ready backend not in tried; when none is ready, the next one not tried;
// -1 when every backend was tried.
func (b *balancer) pick(tried []bool) int {
	n := len(b.backends)
	start := int(b.next.Add(1) % uint64(n))
	for _, wantReady := range []bool{true, false} {
		for k := range n {
			i := (start + k) % n
			if !tried[i] && (!wantReady || b.ready[i].Load()) {
				return i
			}
		}
	}
	return -1
}

// do sends one request through the balancer: build makes it for a base URL (again for each
// gateway tried). A refused connection marks the gateway down until its next poll.
func (b *balancer) do(client *http.Client, build func(base string) (*http.Request, error)) (*http.Response, error) {
	tried := make([]bool, len(b.backends))
	var lastErr error
	for {
		i := b.pick(tried)
		if i < 0 {
			return nil, lastErr
		}
		tried[i] = true
		req, err := build(b.backends[i].base)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err == nil || !refusedBeforeSending(err) || req.Context().Err() != nil {
			return resp, err
		}
		b.ready[i].Store(false)
		lastErr = err
	}
}

// refusedBeforeSending reports whether a client error is a refused connection: nothing of the
// request left the client, so sending it elsewhere cannot do it twice.
func refusedBeforeSending(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && errors.Is(err, syscall.ECONNREFUSED)
}

// dialRefused reports whether a TCP connection to addr is refused now (nothing listens).
func dialRefused(ctx context.Context, addr string) bool {
	d := net.Dialer{Timeout: 200 * time.Millisecond}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return errors.Is(err, syscall.ECONNREFUSED)
	}
	conn.Close()
	return false
}
