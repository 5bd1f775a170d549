package rpc

import (
	"context"
	"strconv"
	"time"

	"github.com/bytedance/gopkg/cloud/metainfo"
	"github.com/cloudwego/kitex/pkg/endpoint"
	"github.com/cloudwego/kitex/pkg/remote"
	"github.com/cloudwego/kitex/pkg/remote/transmeta"
	"github.com/cloudwego/kitex/server"
	"github.com/cloudwego/kitex/transport"
)

// The deadline travels with the call, so that no write takes effect after its caller was told it
// failed:
//
//  1. The client sends the time the call has left (its own timeout, or less when the caller's
//     context ends sooner) in TTHeader's RPC-timeout field (deadlineSender). Kitex's own handler
//     sends only a timeout fixed for the whole client, and none at all when timeouts are chosen
//     per call, as here. It also sends the deadline itself, as epoch milliseconds, in a one-hop
//     metainfo value.
//  2. The server reads the timeout (Kitex's ServerTTHeaderHandler, which the tracing suite
//     installs) and gives the handler a context that ends that long after it read the request
//     (server.WithEnableContextTimeout).
//  3. serverDeadline ends it sooner when the caller's absolute deadline says so: a request that
//     waited unread (in a socket queue, in a process that was stopped or overloaded) past its
//     caller's deadline is not run at all, although its relative timeout starts only when it is
//     read. (Hosts keep time by NTP; a server clock behind the caller's only weakens this to the
//     relative timeout, a clock ahead only shortens the time.) It then brings the end forward by
//     a margin, so the handler gives up before its caller does, leaving time for the answer to
//     travel back: a handler that is told "time is up" rolls back while the caller still waits.
//  4. Every SQL statement runs under that context (gorm WithContext, db.InTx), so a statement
//     still waiting (on a lock, say) is abandoned and its transaction rolled back, and InTx does
//     not start another attempt once the context has ended.
//
// What remains is a commit sent just before the handler's deadline that completes after its
// caller's: the margin makes it rare, and the idempotency keys of comment and message posts make
// a retry of it harmless.

// deadlineSender writes the call's remaining time into the request's TTHeader.
func deadlineSender() remote.MetaHandler {
	return remote.NewCustomMetaHandler(remote.WithWriteMeta(func(ctx context.Context, msg remote.Message) (context.Context, error) {
		if msg.RPCInfo().Config().TransportProtocol()&transport.TTHeader != transport.TTHeader {
			return ctx, nil
		}
		deadline, ok := ctx.Deadline()
		if !ok {
			return ctx, nil
		}
		left := max(time.Until(deadline).Milliseconds(), 1) // 0 would mean "no timeout"
		msg.TransInfo().PutTransIntInfo(map[uint16]string{transmeta.RPCTimeout: strconv.FormatInt(left, 10)})
		msg.TransInfo().PutTransStrInfo(map[string]string{
			metainfo.PrefixTransient + deadlineKey: strconv.FormatInt(deadline.UnixMilli(), 10)})
		return ctx, nil
	}))
}

// deadlineKey names the caller's absolute deadline (epoch ms) among the call's metainfo values.
const deadlineKey = "TIKTOK_DEADLINE_MS"

// deadlineReceiver makes the handler's context end with the caller's deadline, a margin early.
func deadlineReceiver() []server.Option {
	return []server.Option{server.WithEnableContextTimeout(true), server.WithMiddleware(serverDeadline)}
}

// Margin bounds: a tenth of the time left, at most maxMargin.
const maxMargin = 100 * time.Millisecond

// handlerMargin is how much sooner than its caller a handler's context ends when time left is left.
func handlerMargin(left time.Duration) time.Duration {
	return min(left/10, maxMargin)
}

// serverDeadline ends the handler's context handlerMargin before the caller's deadline: the
// earlier of the relative timeout, counted from when the request was read, and the caller's
// absolute deadline.
func serverDeadline(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, req, resp interface{}) error {
		deadline, ok := ctx.Deadline()
		if v, found := metainfo.GetValue(ctx, deadlineKey); found {
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
				if abs := time.UnixMilli(ms); !ok || abs.Before(deadline) {
					deadline, ok = abs, true
				}
			}
		}
		if !ok {
			return next(ctx, req, resp)
		}
		ctx, cancel := context.WithDeadline(ctx, deadline.Add(-handlerMargin(time.Until(deadline))))
		defer cancel()
		return next(ctx, req, resp)
	}
}
