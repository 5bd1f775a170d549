package metrics

import (
	"context"
	"errors"
	"testing"

	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/pkg/rpcinfo"
	"github.com/cloudwego/kitex/pkg/stats"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"simpletiktok/pkg/errno"
)

func TestOutcome(t *testing.T) {
	biz := func(e *errno.Error) kerrors.BizStatusErrorIface { return kerrors.NewBizStatusError(e.Code, e.Msg) }
	cases := []struct {
		name     string
		err      error
		panicked bool
		biz      kerrors.BizStatusErrorIface
		want     string
	}{
		{"success", nil, false, nil, OutcomeOK},
		{"business answer", nil, false, biz(errno.UserLoginFailed), OutcomeBizError},
		{"internal error reported as status", nil, false, biz(errno.Internal), OutcomeServerError},
		{"dependency down reported as status", nil, false, biz(errno.ServiceUnavailable), OutcomeServerError},
		{"timeout", kerrors.ErrRPCTimeout.WithCause(errors.New("3s")), false, nil, OutcomeTimeout},
		{"deadline of the caller", context.DeadlineExceeded, false, nil, OutcomeTimeout},
		{"no instance", kerrors.ErrNoInstance, false, nil, OutcomeUnavailable},
		{"connection refused", kerrors.ErrGetConnection.WithCause(errors.New("refused")), false, nil, OutcomeUnavailable},
		{"network", kerrors.ErrRemoteOrNetwork.WithCause(errors.New("reset")), false, nil, OutcomeUnavailable},
		{"circuit open", kerrors.ErrServiceCircuitBreak, false, nil, OutcomeRejected},
		{"over limit", kerrors.ErrQPSOverLimit, false, nil, OutcomeRejected},
		{"canceled", context.Canceled, false, nil, OutcomeCanceled},
		{"panic", kerrors.ErrPanic, true, nil, OutcomeError},
		{"other", errors.New("decode failed"), false, nil, OutcomeError},
	}
	for _, c := range cases {
		if got := Outcome(c.err, c.panicked, c.biz); got != c.want {
			t.Errorf("%s: Outcome = %q; want %q", c.name, got, c.want)
		}
	}
}

// call builds what Kitex hands a tracer for a finished call to service.method.
func call(service, method string, err error, biz kerrors.BizStatusErrorIface) context.Context {
	st := rpcinfo.NewRPCStats()
	rpcinfo.AsMutableRPCStats(st).SetLevel(stats.LevelBase)
	inv := rpcinfo.NewInvocation(service, method)
	if biz != nil {
		inv.SetBizStatusErr(biz)
	}
	ri := rpcinfo.NewRPCInfo(rpcinfo.NewEndpointInfo("api-gateway", "", nil, nil),
		rpcinfo.NewEndpointInfo(service, method, nil, nil), inv, rpcinfo.NewRPCConfig(), st)
	ctx := rpcinfo.NewCtxWithRPCInfo(context.Background(), ri)
	rpcinfo.Record(ctx, ri, stats.RPCStart, nil)
	rpcinfo.Record(ctx, ri, stats.RPCFinish, err)
	if err != nil {
		rpcinfo.AsMutableRPCStats(st).SetError(err)
	}
	return ctx
}

func TestClientTracerCountsByCalleeMethodAndOutcome(t *testing.T) {
	reg := prometheus.NewRegistry()
	r, err := NewRPC(reg)
	if err != nil {
		t.Fatal(err)
	}
	tr := r.ClientTracer()
	tr.Finish(call("user", "Login", nil, nil))
	tr.Finish(call("user", "Login", nil, kerrors.NewBizStatusError(errno.UserLoginFailed.Code, "no")))
	tr.Finish(call("user", "Login", nil, kerrors.NewBizStatusError(errno.UserLoginFailed.Code, "no")))
	tr.Finish(call("video", "Feed", kerrors.ErrRPCTimeout, nil))

	want := map[[3]string]float64{
		{"user", "Login", OutcomeOK}:          1,
		{"user", "Login", OutcomeBizError}:    2,
		{"video", "Feed", OutcomeTimeout}:     1,
		{"video", "Feed", OutcomeOK}:          0,
		{"user", "Register", OutcomeOK}:       0,
		{"user", "Login", OutcomeServerError}: 0,
	}
	for l, n := range want {
		if got := testutil.ToFloat64(r.clientCalls.WithLabelValues(l[0], l[1], l[2])); got != n {
			t.Errorf("client calls %v = %v; want %v", l, got, n)
		}
	}
	if got := testutil.CollectAndCount(r.serverCalls); got != 0 {
		t.Errorf("a client call was counted on the server side (%d series)", got)
	}
	if got := histogramCount(t, reg, "tiktok_rpc_client_duration_seconds", map[string]string{"service": "user", "method": "Login"}); got != 3 {
		t.Errorf("latency samples of user.Login = %d; want 3", got)
	}
}

func TestServerTracerLabelsItsOwnService(t *testing.T) {
	reg := prometheus.NewRegistry()
	r, err := NewRPC(reg)
	if err != nil {
		t.Fatal(err)
	}
	// On the server the callee endpoint carries the IDL's service name; the label must be the
	// name the service is registered and scraped under.
	r.ServerTracer("user").Finish(call("UserService", "MGetUsers", nil, kerrors.NewBizStatusError(errno.Internal.Code, "x")))
	if got := testutil.ToFloat64(r.serverCalls.WithLabelValues("user", "MGetUsers", OutcomeServerError)); got != 1 {
		t.Fatalf("server calls = %v; want 1", got)
	}
	if got := histogramCount(t, reg, "tiktok_rpc_server_duration_seconds", map[string]string{"service": "user", "method": "MGetUsers"}); got != 1 {
		t.Fatalf("server latency samples = %d; want 1", got)
	}
}

func TestTracerIgnoresContextWithoutCall(t *testing.T) {
	r, err := NewRPC(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	r.ClientTracer().Finish(context.Background()) // no RPCInfo: nothing to record, and no panic
	if n := testutil.CollectAndCount(r.clientCalls); n != 0 {
		t.Fatalf("%d series recorded without a call", n)
	}
}

func TestMethodLabelIsBounded(t *testing.T) {
	r, err := NewRPC(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	tr := r.ServerTracer("user")
	for i := range 300 {
		tr.Finish(call("user", "Made_up_"+string(rune('a'+i%26))+string(rune('a'+i/26)), nil, nil))
	}
	if n := testutil.CollectAndCount(r.serverCalls); n > 201 {
		t.Fatalf("%d series for 300 made-up methods; the guard should stop at 200 plus other", n)
	}
	if got := testutil.ToFloat64(r.serverCalls.WithLabelValues("user", otherValue, OutcomeOK)); got != 100 {
		t.Fatalf("calls folded into other = %v; want 100", got)
	}
}
