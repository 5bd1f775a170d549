//go:build integration

package rpc

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/klog"
	"github.com/cloudwego/kitex/pkg/transmeta"
	"github.com/cloudwego/kitex/server"
	"github.com/cloudwego/kitex/transport"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/logging"
)

// failingUsers answers Register with a business error, Login with a plain error and MGetUsers
// with a panic: the three ways a handler can fail.
type failingUsers struct{ log *slog.Logger }

func (f *failingUsers) Register(ctx context.Context, _ *user.RegisterRequest) (*user.RegisterResponse, error) {
	return nil, ServerError(ctx, f.log, errno.UserAlreadyExists)
}

func (f *failingUsers) Login(ctx context.Context, _ *user.LoginRequest) (*user.LoginResponse, error) {
	return nil, ServerError(ctx, f.log, errors.New("db password=hunter2 leaked in a driver error"))
}

func (f *failingUsers) MGetUsers(context.Context, *user.MGetUsersRequest) (*user.MGetUsersResponse, error) {
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

// The codes a service returns reach the caller intact over TTHeader; anything that is not a
// business error reaches it as errno.Internal without its detail. Each failure is logged once: a
// business error not at all, an internal error by ServerError, a panic by Kitex.
func TestErrorsCrossKitex(t *testing.T) {
	logs := &syncWriter{}
	log, err := logging.NewWithWriter(logs, "user", "info")
	if err != nil {
		t.Fatal(err)
	}
	prev := klog.DefaultLogger()
	klog.SetLogger(logging.Kitex(log, klog.LevelWarn))
	t.Cleanup(func() { klog.SetLogger(prev) })
	// lines returns the log lines written since the last call. Both ServerError and Kitex log a
	// failure before the answer is sent, so the lines are there when the call returns.
	seen := 0
	lines := func() []string {
		out := logs.lines()
		fresh := out[seen:]
		seen = len(out)
		return fresh
	}

	addr := freeAddr(t)
	svr := userservice.NewServer(&failingUsers{log: log},
		server.WithServiceAddr(addr),
		server.WithMetaHandler(transmeta.ServerTTHeaderHandler),
		server.WithExitWaitTime(time.Second))
	go func() { _ = svr.Run() }()
	t.Cleanup(func() { _ = svr.Stop() })

	cli, err := userservice.NewClient("user", client.WithHostPorts(addr.String()),
		client.WithTransportProtocol(transport.TTHeader),
		client.WithMetaHandler(transmeta.ClientTTHeaderHandler),
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
	_, regErr = cli.Register(ctx, &user.RegisterRequest{})
	if got, ok := errno.From(ClientError(regErr)); !ok || got.Code != errno.UserAlreadyExists.Code || got.Msg != errno.UserAlreadyExists.Msg {
		t.Fatalf("Register error = %v; want %v", regErr, errno.UserAlreadyExists)
	}
	if l := lines(); len(l) != 0 {
		t.Fatalf("a business error was logged: %q", l)
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
