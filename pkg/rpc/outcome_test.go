package rpc

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cloudwego/kitex/pkg/kerrors"

	"simpletiktok/pkg/errno"
)

// Each way a write can fail is told as what it is: never sent (10004), sent and unanswered or
// answered "unknown" by its callee (10010), or the callee's own answer.
func TestWriteErrorTellsTheThreeCasesApart(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want *errno.Error
	}{
		{"refused", kerrors.ErrGetConnection.WithCause(errors.New("connection refused")), errno.ServiceUnavailable},
		{"no instance", kerrors.ErrNoInstance, errno.ServiceUnavailable},
		{"no more instances", kerrors.ErrNoMoreInstance, errno.ServiceUnavailable},
		{"circuit open", kerrors.ErrInstanceCircuitBreak, errno.ServiceUnavailable},
		{"discovery", kerrors.ErrServiceDiscovery.WithCause(errors.New("etcd")), errno.ServiceUnavailable},
		{"reset after sending", kerrors.ErrRemoteOrNetwork.WithCause(errors.New("connection reset by peer")), errno.OutcomeUnknown},
		{"EOF", kerrors.ErrRemoteOrNetwork.WithCause(errors.New("EOF")), errno.OutcomeUnknown},
		{"client timeout", kerrors.ErrRPCTimeout.WithCause(errors.New("timeout=3s")), errno.OutcomeUnknown},
		{"caller's deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), errno.OutcomeUnknown},
		{"callee lost its commit's reply", kerrors.NewBizStatusError(errno.OutcomeUnknown.Code, errno.OutcomeUnknown.Msg), errno.OutcomeUnknown},
		{"callee rolled back at its deadline", kerrors.NewBizStatusError(errno.Timeout.Code, errno.Timeout.Msg), errno.Timeout},
		{"business", kerrors.NewBizStatusError(errno.VideoNotFound.Code, errno.VideoNotFound.Msg), errno.VideoNotFound},
	}
	for _, c := range cases {
		got := WriteError(c.err)
		if e, ok := errno.From(got); !ok || e.Code != c.want.Code {
			t.Errorf("%s: WriteError = %v; want code %d", c.name, got, c.want.Code)
		}
		if unknown := OutcomeUnknown(c.err); unknown != (c.want == errno.OutcomeUnknown) {
			t.Errorf("%s: OutcomeUnknown = %v", c.name, unknown)
		}
	}
	if WriteError(nil) != nil || OutcomeUnknown(nil) {
		t.Fatal("no error must stay no error")
	}
	// A read is told apart as before: unavailable or timed out, never "unknown".
	if e, _ := errno.From(ClientError(kerrors.ErrRemoteOrNetwork)); e.Code != errno.ServiceUnavailable.Code {
		t.Fatalf("a read cut off on the way: %v; want 10004", e)
	}
}

// calls is a scripted callee: the i-th call answers errs[i] (nil: success, answering i).
type calls struct {
	errs []error
	n    int
}

func (c *calls) call(ctx context.Context) (int, error) {
	c.n++
	if _, ok := ctx.Deadline(); !ok {
		return 0, errors.New("a write must run under its budget")
	}
	if err := c.errs[c.n-1]; err != nil {
		return 0, err
	}
	return c.n, nil
}

var (
	cut      = kerrors.ErrRemoteOrNetwork.WithCause(errors.New("EOF"))
	refused  = kerrors.ErrGetConnection.WithCause(errors.New("connection refused"))
	rolledBk = kerrors.NewBizStatusError(errno.Timeout.Code, errno.Timeout.Msg)
	ruledOut = kerrors.NewBizStatusError(errno.CommentNotFound.Code, errno.CommentNotFound.Msg)
)

// An idempotent write whose outcome is unknown is sent once more, and its caller learns the real
// outcome; a write that may not be repeated, or one that certainly was not sent, is not.
func TestWriteSettlesAnUnknownOutcomeOnce(t *testing.T) {
	cases := []struct {
		name      string
		idem      Idempotency
		errs      []error
		wantCalls int
		wantOut   int
		wantCode  int32 // 0: success
	}{
		{"answered", Idempotent, []error{nil}, 1, 1, 0},
		{"cut, then answered", Idempotent, []error{cut, nil}, 2, 2, 0},
		{"cut twice", Idempotent, []error{cut, cut}, 2, 0, errno.OutcomeUnknown.Code},
		{"cut, then refused", Idempotent, []error{cut, refused}, 2, 0, errno.OutcomeUnknown.Code},
		{"cut, then rolled back", Idempotent, []error{cut, rolledBk}, 2, 0, errno.OutcomeUnknown.Code},
		{"cut, then refused by the rules", Idempotent, []error{cut, ruledOut}, 2, 0, errno.CommentNotFound.Code},
		{"cut, not repeatable", Once, []error{cut}, 1, 0, errno.OutcomeUnknown.Code},
		{"refused", Idempotent, []error{refused}, 1, 0, errno.ServiceUnavailable.Code},
		{"rolled back", Idempotent, []error{rolledBk}, 1, 0, errno.Timeout.Code},
		{"ruled out", Idempotent, []error{ruledOut}, 1, 0, errno.CommentNotFound.Code},
	}
	for _, c := range cases {
		callee := &calls{errs: c.errs}
		out, err := Write(context.Background(), time.Second, c.idem, callee.call)
		if callee.n != c.wantCalls || out != c.wantOut {
			t.Errorf("%s: %d calls answering %d; want %d answering %d", c.name, callee.n, out, c.wantCalls, c.wantOut)
		}
		code := int32(0)
		if err != nil {
			e, ok := errno.From(err)
			if !ok {
				t.Errorf("%s: %v is no errno", c.name, err)
				continue
			}
			code = e.Code
		}
		if code != c.wantCode {
			t.Errorf("%s: answered %v; want code %d", c.name, err, c.wantCode)
		}
	}
}

// No resend starts when the budget is all but spent: the caller is told the outcome is unknown.
func TestWriteDoesNotResendPastItsBudget(t *testing.T) {
	callee := &calls{errs: []error{cut, nil}}
	ctx, cancel := context.WithTimeout(context.Background(), minResend/2)
	defer cancel()
	_, err := Write(ctx, time.Second, Idempotent, callee.call)
	if callee.n != 1 || !errors.Is(err, errno.OutcomeUnknown) {
		t.Fatalf("with %s left: %d calls, %v; want 1 call and 10010", minResend/2, callee.n, err)
	}
}
