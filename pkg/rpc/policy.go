package rpc

import (
	"context"
	"errors"
	"time"

	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/circuitbreak"
	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/pkg/retry"
	"github.com/cloudwego/kitex/pkg/rpcinfo"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/errno"
)

// How a client treats each call, by the class of its method:
//
//   - A read changes nothing. It gets client.read_timeout (1 s by default), and one that timed out
//     or could not connect is tried again (client.read_retries times, on another instance when
//     there is one), within a budget: retries are at most client.retry_budget (10 %) of the
//     method's calls, so that a failing service is not sent twice its load.
//   - Everything else (writes, and Login, whose bcrypt is costly) gets client.rpc_timeout (3 s by
//     default) and is never retried here: its outcome is the caller's to settle.
//   - Each client keeps a circuit breaker per instance of the service it calls (InstanceBreaker).
//
// A method not named in readMethods is treated as a write: a new read method without an entry is
// merely slower to give up, while a new write wrongly classed as a read would be sent twice.

// readMethods are the methods (as named in idl/) that only read.
func readMethods() []string {
	return []string{"MGetUsers", "Feed", "ListByAuthor", "MGetVideos", "CountWorks", "ListFavorites",
		"Stats", "ListComments", "CountComments", "ListFollowing", "ListFollowers", "ListFriends",
		"UserStats", "Chat", "LatestMessages"}
}

// callPolicy returns the options that set each call's timeout by the class of its method and the
// service called, retry reads, and send the caller's remaining time to the callee (deadline.go).
// They lock no timeout, so the per-call provider decides.
func callPolicy(c config.Client) []client.Option {
	reads := make(map[string]bool, len(readMethods()))
	for _, m := range readMethods() {
		reads[m] = true
	}
	opts := []client.Option{
		client.WithTimeoutProvider(timeoutsByClass{c: c, reads: reads}),
		client.WithMetaHandler(deadlineSender()),
	}
	if c.ReadRetries > 0 {
		policies := make(map[string]retry.Policy, len(reads))
		for m := range reads {
			policies[m] = retry.BuildFailurePolicy(readRetry(c))
		}
		opts = append(opts, client.WithRetryMethodPolicies(policies))
	}
	return opts
}

// readRetry is the failure-retry policy of a read. Kitex retries a timeout by itself; a call that
// could not connect or lost its connection is retried too, and so is an answer errno.Timeout (the callee gave up a margin
// before the client would have: deadline.go). The budget is Kitex's retry circuit breaker in its
// percentage-limit form (the default container), which refuses a retry once retries pass that
// share of the method's recent calls. A request that arrived as a retry is not retried again
// downstream (Kitex's chain stop), so retries do not multiply along a chain of services.
func readRetry(c config.Client) *retry.FailurePolicy {
	p := retry.NewFailurePolicy()
	p.WithMaxRetryTimes(c.ReadRetries)
	p.WithRetryBreaker(c.Budget())
	p.ShouldResultRetry = &retry.ShouldResultRetry{
		// A read changes nothing: one cut off on the way (its instance killed, say) is asked again.
		ErrorRetryWithCtx: func(ctx context.Context, err error, _ rpcinfo.RPCInfo) bool {
			return ctx.Err() == nil && (errors.Is(err, kerrors.ErrGetConnection) || errors.Is(err, kerrors.ErrRemoteOrNetwork))
		},
		// A business status error is no error to the retryer: it comes with the answer.
		RespRetryWithCtx: func(ctx context.Context, _ interface{}, ri rpcinfo.RPCInfo) bool {
			biz := ri.Invocation().BizStatusErr()
			return ctx.Err() == nil && biz != nil && biz.BizStatusCode() == errno.Timeout.Code
		},
	}
	return p
}

// timeoutsByClass gives each call the timeout of its method's class and service.
type timeoutsByClass struct {
	c     config.Client
	reads map[string]bool // read-only after callPolicy
}

func (t timeoutsByClass) Timeouts(ri rpcinfo.RPCInfo) rpcinfo.Timeouts {
	read, other := t.c.Timeouts(ri.To().ServiceName())
	d := other
	if t.reads[ri.To().Method()] {
		d = read
	}
	return callTimeouts{rpc: d, connect: t.c.ConnectTimeout}
}

type callTimeouts struct{ rpc, connect time.Duration }

func (c callTimeouts) RPCTimeout() time.Duration       { return c.rpc }
func (c callTimeouts) ConnectTimeout() time.Duration   { return c.connect }
func (c callTimeouts) ReadWriteTimeout() time.Duration { return c.rpc }

// InstanceBreaker returns a circuit breaker for one client (Kitex wants a suite per client). It
// keeps one breaker per instance of the called service: connection failures and timeouts count
// against the instance, business errors do not (the instance answered). An open breaker refuses
// calls to that instance at once (kerrors.ErrInstanceCircuitBreak, errno 10004) and lets one
// through now and then to see whether it is back. Kitex's service-level breaker of the same suite
// is switched off: a service is its instances, and one bad instance must not shut out the rest.
func InstanceBreaker(c config.Client) []client.Option {
	if c.Breaker.Disabled {
		return nil
	}
	rate, minSample := c.Breaker.Trip()
	const serviceKey = "service-level breaker off"
	suite := circuitbreak.NewCBSuite(func(rpcinfo.RPCInfo) string { return serviceKey },
		circuitbreak.WithInstanceGetErrorType(instanceErrorType))
	suite.UpdateServiceCBConfig(serviceKey, circuitbreak.CBConfig{Enable: false})
	suite.UpdateInstanceCBConfig(circuitbreak.CBConfig{Enable: true, ErrRate: rate, MinSample: minSample})
	return []client.Option{client.WithCircuitBreaker(suite)}
}

func instanceErrorType(_ context.Context, _, _ interface{}, err error) circuitbreak.ErrorType {
	switch {
	case err == nil:
		return circuitbreak.TypeSuccess
	case errors.Is(err, kerrors.ErrGetConnection):
		return circuitbreak.TypeFailure
	case kerrors.IsTimeoutError(err):
		return circuitbreak.TypeTimeout
	}
	return circuitbreak.TypeSuccess
}

// NewClient makes a client of service with the process's shared options (ClientOptions) plus the
// client's own circuit breaker. newClient is the generated constructor, e.g.
// rpc.NewClient(userservice.NewClient, rpc.UserService, opts, cfg.Client).
func NewClient[C any](newClient func(string, ...client.Option) (C, error), service string,
	shared []client.Option, c config.Client,
) (C, error) {
	opts := append(append([]client.Option{}, shared...), InstanceBreaker(c)...)
	return newClient(service, opts...)
}
