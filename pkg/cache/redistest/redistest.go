// Package redistest runs a real redis-server for a test, on a free loopback port and with its
// data in a test folder, so that the test may stop it, restart it with what it had saved, freeze
// it or flush it. The server is killed when the test ends (or when the test binary dies).
package redistest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// readyTimeout bounds a start: redis-server is ready in milliseconds on an idle machine.
const readyTimeout = 30 * time.Second

// Server is a redis-server of one test (Start), or of a test binary (Launch, then Bind in each
// test that acts on it).
type Server struct {
	Addr string // 127.0.0.1:port, the same across restarts
	t    testing.TB
	p    *proc
}

// proc is the running process, shared by the views Bind gives.
type proc struct {
	dir string
	bin string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	frozen bool
}

// Binary is the redis-server the tests run: REDIS_SERVER, or the one on the PATH (Debian's
// redis-server package; .ci/run installs it).
func Binary() (string, error) {
	if bin := os.Getenv("REDIS_SERVER"); bin != "" {
		return bin, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", errors.New("redis-server is not installed (apt-get install redis-server; .ci/run does it)")
	}
	return bin, nil
}

// Start starts redis-server on a free port and waits until it answers. It fails the test, never
// skips it, when redis-server is missing.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Launch(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s.Bind(t)
}

// Launch starts redis-server on a free port with its data in dir, for a whole test binary
// (TestMain); Close it at the end, and Bind it in each test that stops, freezes or flushes it.
func Launch(dir string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	s := &Server{Addr: addr, p: &proc{dir: dir, bin: bin}}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Bind returns the server as seen by test t: its methods fail t when they cannot do their part.
func (s *Server) Bind(t testing.TB) *Server { return &Server{Addr: s.Addr, t: t, p: s.p} }

// Close kills the server (thawing it first if frozen).
func (s *Server) Close() { s.p.kill() }

func (s *Server) fatalf(format string, args ...any) {
	if s.t == nil {
		panic(fmt.Sprintf(format, args...))
	}
	s.t.Helper()
	s.t.Fatalf(format, args...)
}

func (s *Server) start() error {
	p := s.p
	_, port, _ := net.SplitHostPort(s.Addr)
	// Snapshots only when asked (Stop saves one); no AOF; no protected mode is needed on loopback.
	args := []string{"--bind", "127.0.0.1", "--port", port, "--dir", p.dir, "--dbfilename", "dump.rdb",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "redis.log"}
	cmd := exec.Command(p.bin, args...)
	cmd.Dir = p.dir
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	p.mu.Lock()
	p.cmd, p.exited, p.frozen = cmd, exited, false
	p.mu.Unlock()
	c := s.Client()
	defer c.Close()
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited during start:\n%s", p.logTail())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server not ready within %s: %v\n%s", readyTimeout, err, p.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Client is a plain client of the server, for checks from outside the code under test. Close it.
func (s *Server) Client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: s.Addr, Protocol: 2, MaxRetries: -1, DisableIdentity: true})
}

// Stop saves a snapshot and stops the server (SHUTDOWN SAVE): Restart brings its data back, as a
// Redis with persistence would after a restart.
func (s *Server) Stop() {
	c := s.Client()
	defer c.Close()
	// SHUTDOWN closes the connection instead of answering.
	_ = c.ShutdownSave(context.Background()).Err()
	s.p.mu.Lock()
	exited := s.p.exited
	s.p.mu.Unlock()
	select {
	case <-exited:
	case <-time.After(readyTimeout):
		s.fatalf("redis-server did not stop:\n%s", s.p.logTail())
	}
}

// Restart starts the server again on the same port, with the snapshot Stop saved.
func (s *Server) Restart() {
	if err := s.start(); err != nil {
		s.fatalf("%v", err)
	}
}

// Freeze stops the process (SIGSTOP) without closing anything: connections hang, as with a
// Redis that is unreachable or stuck. Thaw lets it go on.
func (s *Server) Freeze() { s.signal(syscall.SIGSTOP, true) }

// Thaw resumes a frozen server.
func (s *Server) Thaw() { s.signal(syscall.SIGCONT, false) }

func (s *Server) signal(sig syscall.Signal, frozen bool) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if err := s.p.cmd.Process.Signal(sig); err != nil {
		s.fatalf("signal redis-server: %v", err)
	}
	s.p.frozen = frozen
}

// Flush empties the server (FLUSHALL), as an operator or an eviction storm might.
func (s *Server) Flush() {
	c := s.Client()
	defer c.Close()
	if err := c.FlushAll(context.Background()).Err(); err != nil {
		s.fatalf("FLUSHALL: %v", err)
	}
}

// Keys returns the keys matching pattern (KEYS: the test server is small).
func (s *Server) Keys(pattern string) []string {
	c := s.Client()
	defer c.Close()
	keys, err := c.Keys(context.Background(), pattern).Result()
	if err != nil {
		s.fatalf("KEYS %s: %v", pattern, err)
	}
	return keys
}

// Stat returns a field of INFO stats (keyspace_hits, keyspace_misses, ...): the server's own
// counters, for tests that check the cache was used without timing anything.
func (s *Server) Stat(field string) int64 {
	c := s.Client()
	defer c.Close()
	info, err := c.Info(context.Background(), "stats").Result()
	if err != nil {
		s.fatalf("INFO stats: %v", err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				s.fatalf("INFO stats %s: %q", field, v)
			}
			return n
		}
	}
	s.fatalf("INFO stats has no %s", field)
	return 0
}

// kill ends the server, thawing it first if frozen.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, exited, frozen := p.cmd, p.exited, p.frozen
	p.mu.Unlock()
	select {
	case <-exited:
		return
	default:
	}
	if frozen {
		_ = cmd.Process.Signal(syscall.SIGCONT)
	}
	_ = cmd.Process.Kill()
	<-exited
}

func (p *proc) logTail() string {
	raw, err := os.ReadFile(filepath.Join(p.dir, "redis.log"))
	if err != nil {
		return err.Error()
	}
	if len(raw) > 3000 {
		raw = raw[len(raw)-3000:]
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	return string(raw)
}
