//go:build integration

package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/pkg/klog"
	"github.com/cloudwego/kitex/pkg/transmeta"
	"github.com/cloudwego/kitex/server"
	"github.com/cloudwego/kitex/transport"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/logging"
)

// failingUsers fails the ways a handler can: Register returns what its username names (a
// business error, one wrapped, a commit whose reply was lost, or the context's error once the
// caller's time is up), Login a plain error and MGetUsers panics. Like every service's handlers,
// it returns what it has, and the server's middleware says it to the caller.
type failingUsers struct{}

func (*failingUsers) Register(ctx context.Context, req *user.RegisterRequest) (*user.RegisterResponse, error) {
	switch req.Username {
	case "taken":
		return nil, errno.UserAlreadyExists
	case "wrapped":
		return nil, fmt.Errorf("insert: %w", errno.UserAlreadyExists)
	case "lost":
		return nil, fmt.Errorf("commit: %w", errno.OutcomeUnknown)
	case "late":
		<-ctx.Done()
		return nil, fmt.Errorf("insert: %w", ctx.Err())
	}
	return &user.RegisterResponse{UserId: 1}, nil
}

func (*failingUsers) Login(context.Context, *user.LoginRequest) (*user.LoginResponse, error) {
	return nil, errors.New("db password=hunter2 leaked in a driver error")
}

func (*failingUsers) MGetUsers(context.Context, *user.MGetUsersRequest) (*user.MGetUsersResponse, error) {
	panic("boom")
}

func freeAddr(t *testing.T) *net.TCPAddr {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr)
}

// The codes a service's handlers return reach the caller intact over TTHeader, through the
// server's middleware (handling, as ServerOptions installs it); a handler that ran out of its
// caller's time answers errno.Timeout; anything else that is not a business error reaches the
// caller as errno.Internal without its detail. Each failure is logged once: a business error not
// at all (errno.OutcomeUnknown and a timeout as warnings), an internal error by the middleware, a
// panic by Kitex.
func TestErrorsCrossKitex(t *testing.T) {
	logs := &syncWriter{}
	log, err := logging.NewWithWriter(logs, "user", "info")
	if err != nil {
		t.Fatal(err)
	}
	prev := klog.DefaultLogger()
	klog.SetLogger(logging.Kitex(log, klog.LevelWarn))
	t.Cleanup(func() { klog.SetLogger(prev) })
	// lines returns the log lines written since the last call. Both the middleware and Kitex log a
	// failure before the answer is sent, so the lines are there when the call returns.
	seen := 0
	lines := func() []string {
		out := logs.lines()
		fresh := out[seen:]
		seen = len(out)
		return fresh
	}

	addr := freeAddr(t)
	svr := userservice.NewServer(&failingUsers{}, append([]server.Option{
		server.WithServiceAddr(addr),
		server.WithMetaHandler(transmeta.ServerTTHeaderHandler),
		server.WithExitWaitTime(time.Second),
	}, handling(log)...)...)
	go func() { _ = svr.Run() }()
	t.Cleanup(func() { _ = svr.Stop() })

	cli, err := userservice.NewClient("user", client.WithHostPorts(addr.String()),
		client.WithTransportProtocol(transport.TTHeader),
		client.WithMetaHandler(transmeta.ClientTTHeaderHandler),
		client.WithMetaHandler(deadlineSender()),
		client.WithRPCTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var regErr error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, regErr = cli.Register(ctx, &user.RegisterRequest{}); !errors.Is(ClientError(regErr), errno.ServiceUnavailable) {
			break // the server is up
		}
	}
	lines() // the client's own notes while the server was starting
	for _, name := range []string{"taken", "wrapped"} {
		_, regErr = cli.Register(ctx, &user.RegisterRequest{Username: name})
		if got, ok := errno.From(ClientError(regErr)); !ok || got.Code != errno.UserAlreadyExists.Code || got.Msg != errno.UserAlreadyExists.Msg {
			t.Fatalf("Register %s error = %v; want %v", name, regErr, errno.UserAlreadyExists)
		}
		if l := lines(); len(l) != 0 {
			t.Fatalf("a business error was logged: %q", l)
		}
	}

	_, regErr = cli.Register(ctx, &user.RegisterRequest{Username: "lost"})
	if biz, ok := kerrors.FromBizStatusError(regErr); !ok || biz.BizStatusCode() != errno.OutcomeUnknown.Code {
		t.Fatalf("a lost commit reply = %v; want errno.OutcomeUnknown", regErr)
	}
	if l := lines(); len(l) != 1 || !strings.Contains(l[0], `"level":"WARN"`) || !strings.Contains(l[0], "outcome is unknown") {
		t.Fatalf("a lost commit reply logged %q; want one warning", l)
	}

	// The handler's context ends a margin before its caller's 1 s, so the answer arrives in time.
	short, cancel := context.WithTimeout(ctx, time.Second)
	_, regErr = cli.Register(short, &user.RegisterRequest{Username: "late"})
	cancel()
	if biz, ok := kerrors.FromBizStatusError(regErr); !ok || biz.BizStatusCode() != errno.Timeout.Code {
		t.Fatalf("a handler out of time = %v; want the service's errno.Timeout", regErr)
	}
	if l := lines(); len(l) != 1 || !strings.Contains(l[0], `"level":"WARN"`) || !strings.Contains(l[0], "ran out of time") {
		t.Fatalf("a handler out of time logged %q; want one warning", l)
	}

	_, err = cli.Login(ctx, &user.LoginRequest{})
	got, ok := errno.From(ClientError(err))
	if !ok || got.Code != errno.Internal.Code {
		t.Fatalf("Login error = %v; want the generic internal code", err)
	}
	if got.Msg != errno.Internal.Msg {
		t.Fatalf("the internal detail leaked to the caller: %q", got.Msg)
	}
	if l := lines(); len(l) != 1 || !strings.Contains(l[0], "request failed") || !strings.Contains(l[0], "hunter2") {
		t.Fatalf("an internal error logged %q; want one line with its detail", l)
	}

	_, err = cli.MGetUsers(ctx, &user.MGetUsersRequest{})
	if err == nil {
		t.Fatal("a panicking handler answered without error")
	}
	if !errors.Is(ClientError(err), errno.ServiceUnavailable) {
		t.Fatalf("panic error = %v; want it classed as unavailable", ClientError(err))
	}
	if l := lines(); len(l) != 1 || !strings.Contains(l[0], "boom") || !strings.Contains(l[0], `"level":"ERROR"`) {
		t.Fatalf("a panic logged %q; want one error line naming it", l)
	}
}

// syncWriter lets the server's goroutines and the test share a buffer.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncWriter) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf.Len() == 0 {
		return nil
	}
	return strings.Split(strings.TrimSpace(s.buf.String()), "\n")
}
