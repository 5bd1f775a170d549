package metrics

import (
	"context"
	"errors"

	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/pkg/rpcinfo"
	"github.com/cloudwego/kitex/pkg/stats"
	"github.com/prometheus/client_golang/prometheus"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/tracing"
)

// Outcomes of an RPC, the values of the outcome label. biz_error is a business answer (a wrong
// password, a missing video): the call worked. server_error is a business status that reports a
// failure of the callee (errno.Internal, errno.ServiceUnavailable). The others are transport
// failures seen by the client; a server only ever sees ok, biz_error, server_error or error.
const (
	OutcomeOK          = "ok"
	OutcomeBizError    = "biz_error"
	OutcomeServerError = "server_error"
	OutcomeTimeout     = "timeout"
	OutcomeUnavailable = "unavailable" // no instance, no connection, network failure
	OutcomeRejected    = "rejected"    // circuit breaker open or over a limit
	OutcomeCanceled    = "canceled"
	OutcomeError       = "error" // anything else (a panic, a decode error)
)

// RPC holds the Kitex call metrics of one process, both sides. Install ClientTracer on every
// client and ServerTracer on the server (rpc.ClientOptions / rpc.ServerOptions).
type RPC struct {
	clientCalls    *prometheus.CounterVec
	clientDuration *prometheus.HistogramVec
	serverCalls    *prometheus.CounterVec
	serverDuration *prometheus.HistogramVec
	methods        *guard
	services       *guard
}

// NewRPC registers the RPC metrics on reg.
func NewRPC(reg prometheus.Registerer) (*RPC, error) {
	r := &RPC{
		clientCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "rpc_client", Name: "requests_total",
			Help: "RPC calls this process made, by callee service, method and outcome.",
		}, []string{"service", "method", "outcome"}),
		clientDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "rpc_client", Name: "duration_seconds",
			Help:    "Latency of the RPC calls this process made, as the caller saw it.",
			Buckets: requestBuckets,
		}, []string{"service", "method"}),
		serverCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "rpc_server", Name: "requests_total",
			Help: "RPC calls this service handled, by method and outcome.",
		}, []string{"service", "method", "outcome"}),
		serverDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "rpc_server", Name: "duration_seconds",
			Help:    "Time this service took to handle an RPC call.",
			Buckets: requestBuckets,
		}, []string{"service", "method"}),
		methods:  newGuard(200),
		services: newGuard(50),
	}
	if err := register(reg, r.clientCalls, r.clientDuration, r.serverCalls, r.serverDuration); err != nil {
		return nil, err
	}
	return r, nil
}

// ClientTracer is the stats.Tracer of Kitex clients (client.WithTracer).
func (r *RPC) ClientTracer() stats.Tracer { return &rpcTracer{rpc: r, client: true} }

// ServerTracer is the stats.Tracer of the Kitex server of service (server.WithTracer).
func (r *RPC) ServerTracer(service string) stats.Tracer {
	return &rpcTracer{rpc: r, service: service}
}

type rpcTracer struct {
	rpc     *RPC
	client  bool
	service string // the server's own name; a client reads the callee from the call
}

func (t *rpcTracer) Start(ctx context.Context) context.Context { return ctx }

// Finish records the call. Kitex records the start and finish events at stats.LevelBase, which is
// the level rpc.ServerOptions and rpc.ClientOptions set.
func (t *rpcTracer) Finish(ctx context.Context) {
	ri := rpcinfo.GetRPCInfo(ctx)
	if ri == nil || ri.Stats() == nil {
		return
	}
	service := t.service
	if t.client {
		service = t.rpc.services.value(ri.To().ServiceName())
	}
	method := t.rpc.methods.value(ri.To().Method())
	st := ri.Stats()
	panicked, _ := st.Panicked()
	var biz kerrors.BizStatusErrorIface
	if ri.Invocation() != nil {
		biz = ri.Invocation().BizStatusErr()
	}
	outcome := Outcome(st.Error(), panicked, biz)
	calls, durations := t.rpc.serverCalls, t.rpc.serverDuration
	if t.client {
		calls, durations = t.rpc.clientCalls, t.rpc.clientDuration
	}
	calls.WithLabelValues(service, method, outcome).Inc()
	start, end := st.GetEvent(stats.RPCStart), st.GetEvent(stats.RPCFinish)
	if start == nil || end == nil || start.IsNil() || end.IsNil() {
		return
	}
	observe(durations.WithLabelValues(service, method), end.Time().Sub(start.Time()).Seconds(), tracing.SampledTraceID(ctx))
}

// Outcome classifies a finished call from what Kitex recorded: the transport error, whether the
// handler panicked, and the business status the callee answered with.
func Outcome(err error, panicked bool, biz kerrors.BizStatusErrorIface) string {
	switch {
	case panicked:
		return OutcomeError
	case err == nil && biz == nil:
		return OutcomeOK
	case err == nil:
		if c := biz.BizStatusCode(); c == errno.Internal.Code || c == errno.ServiceUnavailable.Code {
			return OutcomeServerError
		}
		return OutcomeBizError
	case kerrors.IsTimeoutError(err) || errors.Is(err, kerrors.ErrTimeoutByBusiness) || errors.Is(err, context.DeadlineExceeded):
		return OutcomeTimeout
	case errors.Is(err, kerrors.ErrCanceledByBusiness) || errors.Is(err, context.Canceled):
		return OutcomeCanceled
	case errors.Is(err, kerrors.ErrCircuitBreak) || errors.Is(err, kerrors.ErrOverlimit):
		return OutcomeRejected
	case errors.Is(err, kerrors.ErrServiceDiscovery) || errors.Is(err, kerrors.ErrGetConnection) ||
		errors.Is(err, kerrors.ErrLoadbalance) || errors.Is(err, kerrors.ErrNoMoreInstance) ||
		errors.Is(err, kerrors.ErrRemoteOrNetwork) || errors.Is(err, kerrors.ErrNoConnection):
		return OutcomeUnavailable
	}
	return OutcomeError
}

// observe records v, with the trace id as an exemplar when the trace was sampled, so that a
// slow bucket on a dashboard links to a trace of such a request.
func observe(o prometheus.Observer, v float64, traceID string) {
	if eo, ok := o.(prometheus.ExemplarObserver); ok && traceID != "" {
		eo.ObserveWithExemplar(v, prometheus.Labels{"trace_id": traceID})
		return
	}
	o.Observe(v)
}
