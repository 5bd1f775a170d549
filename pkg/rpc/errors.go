package rpc

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/cloudwego/kitex/pkg/endpoint"
	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/pkg/rpcinfo"
	"github.com/cloudwego/kitex/server"

	"simpletiktok/pkg/errno"
)

// Errors are said in the project's vocabulary (pkg/errno) at the two ends of a call, each in one
// place: a service's handlers return what biz returned, and handlerErrors, a server middleware,
// turns it into the business status error the caller receives; the gateway's reads turn what
// they receive back into *errno.Error with ClientError (in its one read wrapper, merge.Read), its
// writes with WriteError (outcome.go).

// handling is what every server puts around its handlers, outermost first: the caller's deadline
// (deadline.go), then the mapping of what a handler returned, which must see the context the
// handler saw to tell a handler that ran out of time.
func handling(log *slog.Logger) []server.Option {
	return append(deadlineReceiver(), server.WithMiddleware(handlerErrors(log)))
}

// handlerErrors answers for the service what its handler returned (serverError). Kitex hands a
// server middleware a handler's error wrapped as kerrors.ErrBiz; a panic arrives as
// kerrors.ErrPanic and is left to Kitex, which logs it once with its stack and answers it as a
// failed call. The answer is set on the call's RPCInfo, as Kitex does with a business status error
// a handler returns itself, and the middleware returns nil: a business status error returned from
// a middleware would be taken for a failure of the call, logged by Kitex and sent as an exception
// instead of a code in TTHeader.
func handlerErrors(log *slog.Logger) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req, resp any) error {
			err := next(ctx, req, resp)
			var handled *kerrors.DetailedError
			if err == nil || !errors.As(err, &handled) || handled.ErrorType() != kerrors.ErrBiz {
				return err
			}
			ri := rpcinfo.GetRPCInfo(ctx)
			if ri == nil {
				return err
			}
			setter, ok := ri.Invocation().(rpcinfo.InvocationSetter)
			if !ok {
				return err
			}
			setter.SetBizStatusErr(serverError(ctx, log, handled.Unwrap()))
			return nil
		}
	}
}

// serverError is what the caller is told of err, a handler's error: a business error travels as
// a business status error with its code (errno.OutcomeUnknown, a commit whose reply was lost, is
// also noted at warn); a handler that ran out of the caller's time (its context ended, see
// deadline.go) answers errno.Timeout, logged at warn, since the work was rolled back; anything
// else is logged here, the one place that decides it is a failure, with its detail, and reaches
// the caller as errno.Internal.
func serverError(ctx context.Context, log *slog.Logger, err error) kerrors.BizStatusErrorIface {
	if e, ok := errno.From(err); ok {
		if e.Code == errno.OutcomeUnknown.Code {
			log.WarnContext(ctx, "a commit's outcome is unknown: its reply was lost", "method", methodOf(ctx), "error", err)
		}
		return kerrors.NewBizStatusError(e.Code, e.Msg)
	}
	if timeUp(ctx) { // whatever the driver made of it, the statement stopped with the deadline
		log.WarnContext(ctx, "request ran out of time; nothing was committed", "method", methodOf(ctx), "error", err)
		return kerrors.NewBizStatusError(errno.Timeout.Code, errno.Timeout.Msg)
	}
	log.ErrorContext(ctx, "request failed", "method", methodOf(ctx), "error", err)
	return kerrors.NewBizStatusError(errno.Internal.Code, errno.Internal.Msg)
}

// timeUp reports whether ctx has ended or its deadline has passed. A dial or read cut off by the
// deadline can return a moment before the context's own timer marks it done.
func timeUp(ctx context.Context) bool {
	deadline, ok := ctx.Deadline()
	return ctx.Err() != nil || ok && !time.Now().Before(deadline)
}

func methodOf(ctx context.Context) string {
	if ri := rpcinfo.GetRPCInfo(ctx); ri != nil {
		return ri.To().Method()
	}
	return ""
}

// ClientError turns what a read's Kitex call returned into the project's vocabulary: a business
// status error becomes the *errno.Error it was sent as; a call that ran out of time becomes
// errno.Timeout and any other transport failure (no instance, refused, circuit open, a dropped
// connection) errno.ServiceUnavailable, each wrapping the cause, for the caller's log. A read
// changes nothing, so either is true of it; a write's failure is said by WriteError (outcome.go).
func ClientError(err error) error {
	if err == nil {
		return nil
	}
	if biz, ok := kerrors.FromBizStatusError(err); ok {
		return errno.New(biz.BizStatusCode(), biz.BizMessage())
	}
	if TimedOut(err) {
		return &transportError{kind: errno.Timeout, cause: err}
	}
	return &transportError{kind: errno.ServiceUnavailable, cause: err}
}

// TimedOut reports whether a call's error (raw or through ClientError) is a timeout: the client's
// own, the caller's deadline, or the callee's errno.Timeout.
func TimedOut(err error) bool {
	if biz, ok := kerrors.FromBizStatusError(err); ok {
		return biz.BizStatusCode() == errno.Timeout.Code
	}
	return kerrors.IsTimeoutError(err) || errors.Is(err, kerrors.ErrTimeoutByBusiness) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errno.Timeout)
}

// transportError is a call that failed on the way: kind is what the caller is told, cause what
// happened.
type transportError struct {
	kind  *errno.Error
	cause error
}

func (e *transportError) Error() string   { return "rpc: " + e.cause.Error() }
func (e *transportError) Unwrap() []error { return []error{e.kind, e.cause} }
