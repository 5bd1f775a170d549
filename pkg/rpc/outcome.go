package rpc

import (
	"context"
	"errors"
	"time"

	"github.com/cloudwego/kitex/pkg/kerrors"

	"simpletiktok/pkg/errno"
)

// A write that failed is one of three things, and its caller is told which (docs/errors.md):
//
//   - certainly not carried out: the call never left this process (no instance, connection
//     refused, circuit breaker open, refused by admission), or the callee answered an error of its
//     own before or instead of committing (a business error, errno.Timeout after a rollback);
//   - outcome unknown: the request reached the callee, or may have, and no answer came (a reset,
//     an EOF, the time ran out after sending), or the callee lost its commit's reply
//     (errno.OutcomeUnknown from db.InTx): it may have been carried out;
//   - carried out: no error.
//
// Kitex itself sends a call that could not connect to another instance (its resolve middleware
// picks again after ErrGetConnection or an open breaker), and the balancer (balance.go) avoids an
// instance that refused a connection, so a not-sent error here means no instance could be reached.

// NotSent reports whether a failed call certainly never reached its callee.
func NotSent(err error) bool {
	for _, e := range []error{kerrors.ErrGetConnection, kerrors.ErrServiceDiscovery, kerrors.ErrLoadbalance,
		kerrors.ErrNoMoreInstance, kerrors.ErrCircuitBreak, kerrors.ErrACL, kerrors.ErrOverlimit, kerrors.ErrRoute,
		kerrors.ErrNoResolver, kerrors.ErrNoDestService, kerrors.ErrNoDestAddress, kerrors.ErrNoConnection} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// OutcomeUnknown reports whether a failed write may have been carried out: the callee said so
// (errno.OutcomeUnknown), or the call failed on the way other than before sending.
func OutcomeUnknown(err error) bool {
	if err == nil {
		return false
	}
	if biz, ok := kerrors.FromBizStatusError(err); ok {
		return biz.BizStatusCode() == errno.OutcomeUnknown.Code
	}
	if e, ok := errno.From(err); ok {
		return e.Code == errno.OutcomeUnknown.Code
	}
	return !NotSent(err)
}

// WriteError is ClientError for a call that changes state: a call that may have reached its callee
// and got no answer is errno.OutcomeUnknown, never errno.ServiceUnavailable or errno.Timeout,
// whose texts say that nothing was done.
func WriteError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := kerrors.FromBizStatusError(err); ok {
		return ClientError(err)
	}
	if _, ok := errno.From(err); ok {
		return err
	}
	if OutcomeUnknown(err) {
		return &transportError{kind: errno.OutcomeUnknown, cause: err}
	}
	return ClientError(err)
}

// Idempotency says whether a write may be sent again after an unknown outcome.
type Idempotency bool

const (
	// Idempotent is a write its callee carries out at most once however often it is sent: setting
	// a state (a like, a follow, a delete), or a post the callee recognises as a repetition (its
	// request key, or the same text within the repeat window).
	Idempotent Idempotency = true
	// Once is a write that a second sending could carry out twice (a new account, a publish): its
	// caller settles an unknown outcome another way, or says it.
	Once Idempotency = false
)

// minResend is the least time a resend needs to be worth starting: an answer from a healthy
// service over loopback or a LAN comes in milliseconds.
const minResend = 50 * time.Millisecond

// Write runs call, a write, within budget (the caller's context ending sooner wins), and answers
// its outcome in the project's vocabulary (WriteError). When an idempotent write's outcome is
// unknown and time is left, it is sent once more, within what is left of the same budget: the
// callee answers the first sending's outcome (or carries it out now), so the caller learns the
// real outcome instead of "unknown". A resend that fails too leaves the outcome unknown, unless the
// callee answered it with a business error of its own.
func Write[T any](ctx context.Context, budget time.Duration, idem Idempotency, call func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	out, err := call(ctx)
	if err == nil || idem == Once || !OutcomeUnknown(err) || !timeLeft(ctx, minResend) {
		return out, WriteError(err)
	}
	again, err2 := call(ctx)
	switch {
	case err2 == nil:
		return again, nil
	case ruled(err2):
		return again, WriteError(err2) // the callee's rules refuse the repetition, so the first too
	}
	return out, WriteError(err) // the resend failed on the way: it says nothing of the first sending
}

// ruled reports whether err is the callee's rule refusing the request (a bad parameter, or a code
// of a service's own range), which it answers the same to every sending of one request; an
// internal error, a timeout or a busy answer is not.
func ruled(err error) bool {
	biz, ok := kerrors.FromBizStatusError(err)
	return ok && (biz.BizStatusCode() == errno.BadRequest.Code || biz.BizStatusCode() >= 11000)
}

// timeLeft reports whether ctx has at least d left.
func timeLeft(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ctx.Err() == nil && (!ok || time.Until(deadline) >= d)
}
