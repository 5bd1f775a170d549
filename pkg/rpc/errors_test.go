package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cloudwego/kitex/pkg/kerrors"

	"simpletiktok/pkg/errno"
)

func TestClientErrorOfNil(t *testing.T) {
	if ClientError(nil) != nil || ServerError(context.Background(), slog.New(slog.DiscardHandler), nil) != nil {
		t.Fatal("nil must stay nil")
	}
}

// A call that ran out of time and a call that could not be made are told apart, whatever form the
// timeout took; a business code passes unchanged.
func TestClientErrorTellsTimeoutFromUnavailable(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want *errno.Error
	}{
		{"client timeout", kerrors.ErrRPCTimeout.WithCause(errors.New("timeout=1s")), errno.Timeout},
		{"caller's deadline", kerrors.ErrTimeoutByBusiness, errno.Timeout},
		{"context deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), errno.Timeout},
		{"callee gave up at its deadline", kerrors.NewBizStatusError(errno.Timeout.Code, errno.Timeout.Msg), errno.Timeout},
		{"refused", kerrors.ErrGetConnection.WithCause(errors.New("connection refused")), errno.ServiceUnavailable},
		{"no instance", kerrors.ErrNoInstance, errno.ServiceUnavailable},
		{"circuit open", kerrors.ErrInstanceCircuitBreak, errno.ServiceUnavailable},
		{"business", kerrors.NewBizStatusError(errno.VideoNotFound.Code, errno.VideoNotFound.Msg), errno.VideoNotFound},
	}
	for _, c := range cases {
		got := ClientError(c.err)
		e, ok := errno.From(got)
		if !ok || e.Code != c.want.Code {
			t.Errorf("%s: ClientError = %v; want code %d", c.name, got, c.want.Code)
		}
		if TimedOut(c.err) != (c.want == errno.Timeout) || TimedOut(got) != (c.want == errno.Timeout) {
			t.Errorf("%s: TimedOut = %v (raw), %v (converted)", c.name, TimedOut(c.err), TimedOut(got))
		}
	}
}

// A handler whose context ended answers errno.Timeout (the work was rolled back), logged as a
// warning; the same error with time left is an internal error.
func TestServerErrorAfterTheDeadline(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	dbErr := errors.New("invalid connection")
	biz, ok := kerrors.FromBizStatusError(ServerError(ctx, log, dbErr))
	if !ok || biz.BizStatusCode() != errno.Timeout.Code || !strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Fatalf("after the deadline: %v, logged %q; want errno.Timeout and a warning", biz, logs.String())
	}
	// The deadline has passed a moment before the context's timer marks it done.
	biz, ok = kerrors.FromBizStatusError(ServerError(passed{context.Background()}, log, dbErr))
	if !ok || biz.BizStatusCode() != errno.Timeout.Code {
		t.Fatalf("at the deadline, before the context says so: %v; want errno.Timeout", biz)
	}
	logs.Reset()
	biz, ok = kerrors.FromBizStatusError(ServerError(context.Background(), log, dbErr))
	if !ok || biz.BizStatusCode() != errno.Internal.Code || !strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Fatalf("with time left: %v, logged %q; want errno.Internal and an error line", biz, logs.String())
	}
}

// passed is a context whose deadline is behind it while it has not noticed yet.
type passed struct{ context.Context }

func (passed) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }
