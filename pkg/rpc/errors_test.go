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
	"github.com/cloudwego/kitex/pkg/rpcinfo"

	"simpletiktok/pkg/errno"
)

func TestClientErrorOfNil(t *testing.T) {
	if ClientError(nil) != nil {
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
	biz := serverError(ctx, log, dbErr)
	if biz.BizStatusCode() != errno.Timeout.Code || !strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Fatalf("after the deadline: %v, logged %q; want errno.Timeout and a warning", biz, logs.String())
	}
	// The deadline has passed a moment before the context's timer marks it done.
	biz = serverError(passed{context.Background()}, log, dbErr)
	if biz.BizStatusCode() != errno.Timeout.Code {
		t.Fatalf("at the deadline, before the context says so: %v; want errno.Timeout", biz)
	}
	logs.Reset()
	biz = serverError(context.Background(), log, dbErr)
	if biz.BizStatusCode() != errno.Internal.Code || !strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Fatalf("with time left: %v, logged %q; want errno.Internal and an error line", biz, logs.String())
	}
}

// passed is a context whose deadline is behind it while it has not noticed yet.
type passed struct{ context.Context }

func (passed) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

// The middleware sees a handler's error as Kitex wraps it (kerrors.ErrBiz) and answers it as a
// business status error set on the call, returning nil so that Kitex neither logs it nor sends it
// as an exception; a panic, and a success, pass through unchanged.
func TestHandlerErrorsAnswerWhatTheHandlerReturned(t *testing.T) {
	var logs bytes.Buffer
	mw := handlerErrors(slog.New(slog.NewJSONHandler(&logs, nil)))
	call := func(handlerErr error) (kerrors.BizStatusErrorIface, error) {
		ri := rpcinfo.NewRPCInfo(nil, rpcinfo.NewEndpointInfo("user", "Register", nil, nil),
			rpcinfo.NewInvocation("user", "Register"), rpcinfo.NewRPCConfig(), rpcinfo.NewRPCStats())
		ctx := rpcinfo.NewCtxWithRPCInfo(context.Background(), ri)
		err := mw(func(context.Context, any, any) error { return handlerErr })(ctx, nil, nil)
		return ri.Invocation().BizStatusErr(), err
	}
	cases := []struct {
		name    string
		handler error
		code    int32
		level   string // of the one line logged; "" for none
	}{
		{"business", kerrors.ErrBiz.WithCause(errno.UserAlreadyExists), errno.UserAlreadyExists.Code, ""},
		{"wrapped business", kerrors.ErrBiz.WithCause(fmt.Errorf("insert: %w", errno.VideoNotFound)), errno.VideoNotFound.Code, ""},
		{"lost commit reply", kerrors.ErrBiz.WithCause(fmt.Errorf("commit: %w", errno.OutcomeUnknown)), errno.OutcomeUnknown.Code, "WARN"},
		{"anything else", kerrors.ErrBiz.WithCause(errors.New("db password=hunter2")), errno.Internal.Code, "ERROR"},
	}
	for _, c := range cases {
		logs.Reset()
		biz, err := call(c.handler)
		if err != nil || biz == nil || biz.BizStatusCode() != c.code {
			t.Errorf("%s: returned %v, answered %v; want nil and code %d", c.name, err, biz, c.code)
		}
		lines := strings.Count(logs.String(), "\n")
		if c.level == "" && lines != 0 || c.level != "" && (lines != 1 || !strings.Contains(logs.String(), `"level":"`+c.level+`"`)) {
			t.Errorf("%s: logged %q; want %q", c.name, logs.String(), c.level)
		}
	}
	if biz := serverError(context.Background(), slog.New(slog.DiscardHandler), errno.Internal); biz.BizMessage() != errno.Internal.Msg {
		t.Errorf("the message of a business error changed: %q", biz.BizMessage())
	}
	panicked := kerrors.ErrPanic.WithCauseAndStack(errors.New("boom"), "stack")
	for _, e := range []error{nil, panicked} {
		logs.Reset()
		if biz, err := call(e); err != e || biz != nil || logs.Len() != 0 {
			t.Errorf("%v: returned %v, answered %v, logged %q; want it passed to Kitex as it was", e, err, biz, logs.String())
		}
	}
}
