package rpc

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cloudwego/kitex/pkg/discovery"
	"github.com/cloudwego/kitex/pkg/rpcinfo"
)

// scriptedResolver answers from a script: an instance list, an error, or nothing until the
// context ends (an etcd that does not answer).
type scriptedResolver struct {
	mu    sync.Mutex
	addrs []string
	err   error
	hang  bool
}

func (s *scriptedResolver) set(addrs []string, err error, hang bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addrs, s.err, s.hang = addrs, err, hang
}

func (s *scriptedResolver) Target(_ context.Context, t rpcinfo.EndpointInfo) string {
	return t.ServiceName()
}

func (s *scriptedResolver) Resolve(ctx context.Context, desc string) (discovery.Result, error) {
	s.mu.Lock()
	addrs, err, hang := s.addrs, s.err, s.hang
	s.mu.Unlock()
	if hang {
		<-ctx.Done()
		return discovery.Result{}, ctx.Err()
	}
	if err != nil {
		return discovery.Result{}, err
	}
	var ins []discovery.Instance
	for _, a := range addrs {
		ins = append(ins, discovery.NewInstance("tcp", a, 10, nil))
	}
	return discovery.Result{Cacheable: true, CacheKey: desc, Instances: ins}, nil
}

func (s *scriptedResolver) Diff(key string, prev, next discovery.Result) (discovery.Change, bool) {
	return discovery.DefaultDiff(key, prev, next)
}

func (s *scriptedResolver) Name() string { return "scripted" }

func addrsOf(res discovery.Result) []string {
	var out []string
	for _, i := range res.Instances {
		out = append(out, i.Address().String())
	}
	return out
}

func TestLastKnownInstancesWhenDiscoveryFails(t *testing.T) {
	inner := &scriptedResolver{}
	r := wrapResolver(inner, slog.New(slog.DiscardHandler))
	r.knownWait = 100 * time.Millisecond
	ctx := context.Background()

	inner.set(nil, errors.New("etcd down"), false)
	if _, err := r.Resolve(ctx, "video"); err == nil {
		t.Fatal("a failed first lookup succeeded: there was nothing to fall back on")
	}

	inner.set([]string{"127.0.0.1:8882"}, nil, false)
	if got := addrsOf(mustResolve(t, r, ctx, "video")); len(got) != 1 || got[0] != "127.0.0.1:8882" {
		t.Fatalf("lookup = %v", got)
	}

	for name, script := range map[string]func(){
		"error":        func() { inner.set(nil, errors.New("etcd down"), false) },
		"no instance":  func() { inner.set(nil, nil, false) },
		"no answer":    func() { inner.set(nil, nil, true) },
		"other target": func() { inner.set(nil, errors.New("etcd down"), false) },
	} {
		script()
		desc := "video"
		if name == "other target" {
			desc = "comment"
		}
		// A hanging etcd is given up on by the wrapper itself: the caller's context has no
		// deadline here, as in Kitex's background refresh.
		res, err := r.Resolve(ctx, desc)
		if desc == "comment" {
			if err == nil {
				t.Errorf("%s: a never-resolved service got instances %v", name, addrsOf(res))
			}
			continue
		}
		if err != nil || len(res.Instances) != 1 || addrsOf(res)[0] != "127.0.0.1:8882" {
			t.Errorf("%s: got %v, %v; want the last known instance", name, addrsOf(res), err)
		}
	}

	inner.set([]string{"127.0.0.1:9992"}, nil, false)
	if got := addrsOf(mustResolve(t, r, ctx, "video")); len(got) != 1 || got[0] != "127.0.0.1:9992" {
		t.Fatalf("after etcd is back: %v, want the new list", got)
	}
}

// A first lookup keeps the caller's deadline: with nothing to fall back on, waiting for etcd is
// the only way to succeed.
func TestFirstLookupIsBoundedWithoutCallerDeadline(t *testing.T) {
	inner := &scriptedResolver{}
	inner.set(nil, nil, true)
	r := wrapResolver(inner, slog.New(slog.DiscardHandler))
	r.firstWait = 100 * time.Millisecond
	done := make(chan error, 1)
	go func() {
		_, err := r.Resolve(context.Background(), "user")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the wrapper's own deadline", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a lookup against a silent etcd never returned")
	}
}

func mustResolve(t *testing.T, r discovery.Resolver, ctx context.Context, desc string) discovery.Result {
	t.Helper()
	res, err := r.Resolve(ctx, desc)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
