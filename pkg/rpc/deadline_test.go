package rpc

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/bytedance/gopkg/cloud/metainfo"
)

// handlerDeadline runs serverDeadline over ctx and returns the deadline the handler saw.
func handlerDeadline(t *testing.T, ctx context.Context) (time.Time, bool) {
	t.Helper()
	var (
		got time.Time
		ok  bool
	)
	err := serverDeadline(func(ctx context.Context, _, _ interface{}) error {
		got, ok = ctx.Deadline()
		return nil
	})(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return got, ok
}

// withCallerDeadline is ctx as the server sees a call whose caller's deadline is at.
func withCallerDeadline(ctx context.Context, at time.Time) context.Context {
	return metainfo.SetMetaInfoFromMap(ctx, map[string]string{
		metainfo.PrefixTransient + deadlineKey: strconv.FormatInt(at.UnixMilli(), 10)})
}

// The handler's context ends a margin before the earlier of the relative timeout and the caller's
// absolute deadline: a request read long after it was sent (queued, or in a stopped process) gets
// only the time its caller still waits, and none when the caller gave up already.
func TestServerDeadlineTakesTheEarlierEnd(t *testing.T) {
	now := time.Now()
	relative, cancel := context.WithDeadline(context.Background(), now.Add(3*time.Second))
	defer cancel()

	if got, ok := handlerDeadline(t, relative); !ok || got.After(now.Add(3*time.Second-handlerMargin(2*time.Second))) {
		t.Fatalf("relative timeout only: handler deadline %v; want about 3 s minus the margin", got.Sub(now))
	}
	sooner := withCallerDeadline(relative, now.Add(time.Second))
	if got, ok := handlerDeadline(t, sooner); !ok || got.After(now.Add(time.Second)) || got.Before(now.Add(800*time.Millisecond)) {
		t.Fatalf("caller's deadline in 1 s: handler deadline %v from now; want just under 1 s", got.Sub(now))
	}
	later := withCallerDeadline(relative, now.Add(time.Minute))
	if got, _ := handlerDeadline(t, later); got.After(now.Add(3 * time.Second)) {
		t.Fatalf("caller's deadline later than the timeout: handler deadline %v; want the timeout's", got.Sub(now))
	}
	gone := withCallerDeadline(relative, now.Add(-time.Second))
	err := serverDeadline(func(ctx context.Context, _, _ interface{}) error { return ctx.Err() })(gone, nil, nil)
	if err != context.DeadlineExceeded {
		t.Fatalf("a request whose caller gave up: handler context %v; want it ended", err)
	}
	if got, ok := handlerDeadline(t, withCallerDeadline(context.Background(), now.Add(2*time.Second))); !ok || got.After(now.Add(2*time.Second)) {
		t.Fatalf("no relative timeout: handler deadline %v, %v; want the caller's", got, ok)
	}
	if _, ok := handlerDeadline(t, context.Background()); ok {
		t.Fatal("a call without any deadline got one")
	}
}
