package rpc

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/cloudwego/kitex/pkg/discovery"
	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/pkg/rpcinfo"
	"github.com/cloudwego/kitex/pkg/rpcinfo/remoteinfo"
)

func instances(addrs ...string) []discovery.Instance {
	out := make([]discovery.Instance, len(addrs))
	for i, a := range addrs {
		out[i] = discovery.NewInstance("tcp", a, 10, nil)
	}
	return out
}

// An instance whose connection broke is passed over until brokenFor has passed; when every
// instance broke, one is picked all the same.
func TestPickerPassesOverBrokenInstances(t *testing.T) {
	b := newBroken()
	p := avoidBroken{b}.GetPicker(discovery.Result{Instances: instances("127.0.0.1:1", "127.0.0.1:2")})
	seen := map[string]int{}
	for range 200 {
		seen[p.Next(context.Background(), nil).Address().String()]++
	}
	if seen["127.0.0.1:1"] == 0 || seen["127.0.0.1:2"] == 0 {
		t.Fatalf("both instances up: picked %v; want both", seen)
	}
	b.failed("127.0.0.1:1", time.Now())
	for range 200 {
		if got := p.Next(context.Background(), nil).Address().String(); got != "127.0.0.1:2" {
			t.Fatalf("picked %s, whose connection broke a moment ago", got)
		}
	}
	b.failed("127.0.0.1:2", time.Now())
	if p.Next(context.Background(), nil) == nil {
		t.Fatal("every instance broke: none picked; want one all the same")
	}
	if b.passOver("127.0.0.1:1", time.Now().Add(brokenFor)) {
		t.Fatalf("still passed over %s after the failure", brokenFor)
	}
	if (avoidBroken{b}).GetPicker(discovery.Result{}).Next(context.Background(), nil) != nil {
		t.Fatal("no instance: want nil")
	}
}

// A connection refused or broken on the way marks the instance; an answer, even a failed one, and
// a timeout (the instance may be merely slow) do not.
func TestBrokenConnectionsAreNoted(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		mark bool
	}{
		{"refused", kerrors.ErrGetConnection.WithCause(errors.New("connection refused")), true},
		{"reset", kerrors.ErrRemoteOrNetwork.WithCause(errors.New("connection reset by peer")), true},
		{"timeout", kerrors.ErrRPCTimeout, false},
		{"business error", kerrors.NewBizStatusError(14001, "comment does not exist"), false},
		{"answered", nil, false},
	} {
		b := newBroken()
		to := remoteinfo.NewRemoteInfo(&rpcinfo.EndpointBasicInfo{ServiceName: "comment"}, "PostComment")
		addr, _ := net.ResolveTCPAddr("tcp", "127.0.0.1:8884")
		to.SetInstance(discovery.NewInstance("tcp", addr.String(), 10, nil))
		ctx := rpcinfo.NewCtxWithRPCInfo(context.Background(), rpcinfo.NewRPCInfo(nil, to, nil, nil, nil))
		call := noteBroken(b)(func(context.Context, interface{}, interface{}) error { return c.err })
		if err := call(ctx, nil, nil); !errors.Is(err, c.err) && err != c.err {
			t.Fatalf("%s: the middleware changed the error to %v", c.name, err)
		}
		if got := b.passOver("127.0.0.1:8884", time.Now()); got != c.mark {
			t.Errorf("%s: instance passed over = %v; want %v", c.name, got, c.mark)
		}
	}
}
