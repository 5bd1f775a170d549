//go:build integration

package rpc

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bytedance/gopkg/cloud/metainfo"
	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/server"
	kitexopentracing "github.com/kitex-contrib/tracer-opentracing"
	"github.com/opentracing/opentracing-go"
	"gorm.io/gorm"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/user/userservice"
)

// probeUsers records the time its handlers' contexts have left, and can hold a call until the
// context ends (the first `stall` calls of a method) to play a slow service.
type probeUsers struct {
	mu   sync.Mutex
	left map[string]time.Duration
	// absolute is the caller's deadline as the handler received it (epoch ms; "" when none).
	absolute map[string]string
	calls    map[string]int
	stall    map[string]int
	// write, when set, is what Register does (the database test).
	write func(ctx context.Context) error
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func newProbe() *probeUsers {
	return &probeUsers{left: map[string]time.Duration{}, absolute: map[string]string{}, calls: map[string]int{},
		stall: map[string]int{}}
}

func (p *probeUsers) enter(ctx context.Context, method string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[method]++
	p.absolute[method], _ = metainfo.GetValue(ctx, deadlineKey)
	if dl, ok := ctx.Deadline(); ok {
		p.left[method] = time.Until(dl)
	} else {
		p.left[method] = -1
	}
	return p.calls[method] <= p.stall[method]
}

func (p *probeUsers) seen(method string) (left time.Duration, calls int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.left[method], p.calls[method]
}

func (p *probeUsers) Register(ctx context.Context, _ *user.RegisterRequest) (*user.RegisterResponse, error) {
	if p.enter(ctx, "Register") {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if p.write != nil {
		if err := p.write(ctx); err != nil {
			return nil, err
		}
	}
	return &user.RegisterResponse{UserId: 1}, nil
}

func (p *probeUsers) Login(ctx context.Context, _ *user.LoginRequest) (*user.LoginResponse, error) {
	p.enter(ctx, "Login")
	return &user.LoginResponse{UserId: 1}, nil
}

func (p *probeUsers) MGetUsers(ctx context.Context, _ *user.MGetUsersRequest) (*user.MGetUsersResponse, error) {
	if p.enter(ctx, "MGetUsers") {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &user.MGetUsersResponse{}, nil
}

// startProbe serves p on a loopback port with what ServerOptions puts around handlers (the
// caller's deadline, then the middleware that answers their errors) and the tracing suite that
// sets up TTHeader, as every service has them.
func startProbe(t *testing.T, p *probeUsers) string {
	t.Helper()
	addr := freeAddr(t)
	opts := append([]server.Option{
		server.WithServiceAddr(addr),
		server.WithSuite(kitexopentracing.NewServerSuite(opentracing.NoopTracer{}, operationName)),
		server.WithExitWaitTime(time.Second),
	}, handling(discard())...)
	svr := userservice.NewServer(p, opts...)
	go func() { _ = svr.Run() }()
	t.Cleanup(func() { _ = svr.Stop() })
	return addr.String()
}

// probeClient calls addr with the call policy of ClientOptions and its own breaker, as every
// client has them; only the etcd resolver is replaced by the fixed address.
func probeClient(t *testing.T, addr string, c config.Client) userservice.Client {
	t.Helper()
	shared := append([]client.Option{
		client.WithHostPorts(addr),
		client.WithSuite(kitexopentracing.NewClientSuite(opentracing.NoopTracer{}, operationName)),
		client.WithConnectTimeout(c.ConnectTimeout),
	}, callPolicy(c)...)
	// Wait for the server to listen before the first call, so that no refused dial counts against
	// the instance's breaker.
	for i := 0; ; i++ {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
			break
		}
		if i == 200 {
			t.Fatalf("the loopback server never listened: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cli, err := NewClient(userservice.NewClient, UserService, shared, c)
	if err != nil {
		t.Fatal(err)
	}
	return cli
}

func policyConfig() config.Client {
	return config.Client{RPCTimeout: 3 * time.Second, ReadTimeout: time.Second, ConnectTimeout: 500 * time.Millisecond,
		ReadRetries: 1, Breaker: config.Breaker{MinSample: 5}}
}

// The callee's context ends with its caller's time: a read gets read_timeout, a write
// rpc_timeout, and a caller whose own context ends sooner passes that on; each a margin early, so
// that the callee gives up while its caller still waits.
func TestTheDeadlineTravelsWithTheCall(t *testing.T) {
	p := newProbe()
	cli := probeClient(t, startProbe(t, p), policyConfig())
	ctx := context.Background()
	if _, err := cli.MGetUsers(ctx, &user.MGetUsersRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Register(ctx, &user.RegisterRequest{}); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 400*time.Millisecond)
	defer cancel()
	if _, err := cli.Login(short, &user.LoginRequest{}); err != nil {
		t.Fatal(err)
	}
	within := func(method string, lo, hi time.Duration) {
		t.Helper()
		if left, _ := p.seen(method); left < lo || left > hi {
			t.Errorf("%s: the handler had %v left; want within [%v, %v]", method, left, lo, hi)
		}
	}
	within("MGetUsers", 500*time.Millisecond, time.Second-handlerMargin(time.Second))
	within("Register", 2*time.Second, 3*time.Second-handlerMargin(3*time.Second))
	within("Login", 100*time.Millisecond, 400*time.Millisecond-handlerMargin(400*time.Millisecond))
	p.mu.Lock()
	defer p.mu.Unlock()
	if ms, err := strconv.ParseInt(p.absolute["Login"], 10, 64); err != nil || time.UnixMilli(ms).After(time.Now().Add(400*time.Millisecond)) {
		t.Errorf("the caller's absolute deadline arrived as %q; want epoch ms within its 400 ms", p.absolute["Login"])
	}
}

// A read that timed out is tried again and succeeds; a write that timed out is not sent again,
// and its caller is told it timed out (10007), not that the service is unavailable.
func TestReadsAreRetriedWritesAreNot(t *testing.T) {
	p := newProbe()
	p.stall["MGetUsers"], p.stall["Register"] = 1, 1
	cfg := policyConfig()
	cfg.ReadTimeout, cfg.RPCTimeout = 300*time.Millisecond, 300*time.Millisecond
	cli := probeClient(t, startProbe(t, p), cfg)
	if _, err := cli.MGetUsers(context.Background(), &user.MGetUsersRequest{}); err != nil {
		t.Fatalf("a read that timed out once = %v; want the retry's answer", err)
	}
	if _, calls := p.seen("MGetUsers"); calls != 2 {
		t.Fatalf("the read reached the service %d times; want 2", calls)
	}
	_, err := cli.Register(context.Background(), &user.RegisterRequest{})
	if e, ok := errno.From(ClientError(err)); !ok || e.Code != errno.Timeout.Code {
		t.Fatalf("a write that timed out = %v; want errno.Timeout", ClientError(err))
	}
	if _, calls := p.seen("Register"); calls != 1 {
		t.Fatalf("the write reached the service %d times; want once", calls)
	}
}

// Calls to an instance that refuses connections open its breaker: after min_sample failures the
// client refuses at once, without dialling, and the caller is told the service is unavailable.
func TestTheBreakerShedsCallsToADeadInstance(t *testing.T) {
	addr := freeAddr(t).String() // nothing listens there
	cfg := policyConfig()
	cfg.ReadRetries = 0
	shared := append([]client.Option{client.WithHostPorts(addr), client.WithConnectTimeout(cfg.ConnectTimeout)},
		callPolicy(cfg)...)
	cli, err := NewClient(userservice.NewClient, UserService, shared, cfg)
	if err != nil {
		t.Fatal(err)
	}
	opened := false
	for range 50 {
		_, err := cli.Login(context.Background(), &user.LoginRequest{})
		if !errors.Is(ClientError(err), errno.ServiceUnavailable) {
			t.Fatalf("a call to a dead instance = %v; want ServiceUnavailable", ClientError(err))
		}
		if errors.Is(err, kerrors.ErrCircuitBreak) {
			opened = true
			break
		}
	}
	if !opened {
		t.Fatal("50 refused connections did not open the instance's breaker")
	}
}

// A write whose table is locked for longer than its caller waits is told errno.Timeout, and is not
// there once the lock is gone: its transaction ended with the deadline, uncommitted, and no
// attempt followed.
func TestATimedOutWriteRollsBack(t *testing.T) {
	gdb := dbtest.Open(t)
	ctx := context.Background()
	if err := gdb.Exec("CREATE TABLE notes (id BIGINT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(10)) ENGINE=InnoDB").Error; err != nil {
		t.Fatal(err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		t.Fatal(err)
	}
	locker, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()

	var (
		writerID int64
		attempts int
		txErr    error
		done     = make(chan struct{})
	)
	p := newProbe()
	p.write = func(ctx context.Context) error {
		defer close(done)
		txErr = db.InTx(ctx, gdb, func(tx *gorm.DB) error {
			attempts++
			if err := tx.Raw("SELECT CONNECTION_ID()").Scan(&writerID).Error; err != nil {
				return err
			}
			return tx.Exec("INSERT INTO notes (body) VALUES ('late')").Error
		})
		return txErr
	}
	cfg := policyConfig()
	cfg.RPCTimeout = 500 * time.Millisecond
	cli := probeClient(t, startProbe(t, p), cfg)

	if _, err := locker.ExecContext(ctx, "LOCK TABLES notes WRITE"); err != nil {
		t.Fatal(err)
	}
	_, callErr := cli.Register(ctx, &user.RegisterRequest{})
	if e, ok := errno.From(ClientError(callErr)); !ok || e.Code != errno.Timeout.Code {
		t.Fatalf("a write on a locked table = %v; want errno.Timeout", ClientError(callErr))
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler still runs 10 s after its caller gave up")
	}
	if !errors.Is(txErr, context.DeadlineExceeded) && !errors.Is(txErr, context.Canceled) || attempts != 1 {
		t.Fatalf("the transaction ended with %v after %d attempts; want the deadline, after 1", txErr, attempts)
	}
	if _, err := locker.ExecContext(ctx, "UNLOCK TABLES"); err != nil {
		t.Fatal(err)
	}
	// The abandoned session holds the uncommitted insert until MariaDB notices its client is gone;
	// wait for it to end, then look.
	for i := 0; ; i++ {
		var alive int64
		if err := locker.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?", writerID).Scan(&alive); err != nil {
			t.Fatal(err)
		}
		if alive == 0 {
			break
		}
		if i == 200 {
			t.Fatalf("session %d of the abandoned write is still there", writerID)
		}
		time.Sleep(25 * time.Millisecond)
	}
	var rows int64
	if err := locker.QueryRowContext(ctx, "SELECT COUNT(*) FROM notes").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Fatalf("%d rows of a write its caller was told timed out", rows)
	}
}
