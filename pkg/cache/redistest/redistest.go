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

// Server is a redis-server of one test.
type Server struct {
	Addr string // 127.0.0.1:port, the same across restarts
	dir  string
	bin  string
	t    testing.TB

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
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &Server{Addr: addr, dir: t.TempDir(), bin: bin, t: t}
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.kill() })
	return s
}

func (s *Server) start() error {
	_, port, _ := net.SplitHostPort(s.Addr)
	// Snapshots only when asked (Stop saves one); no AOF; no protected mode is needed on loopback.
	args := []string{"--bind", "127.0.0.1", "--port", port, "--dir", s.dir, "--dbfilename", "dump.rdb",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "redis.log"}
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.mu.Lock()
	s.cmd, s.exited, s.frozen = cmd, exited, false
	s.mu.Unlock()
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
			return fmt.Errorf("redis-server exited during start:\n%s", s.logTail())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server not ready within %s: %v\n%s", readyTimeout, err, s.logTail())
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
	s.t.Helper()
	c := s.Client()
	defer c.Close()
	// SHUTDOWN closes the connection instead of answering.
	_ = c.ShutdownSave(context.Background()).Err()
	s.mu.Lock()
	exited := s.exited
	s.mu.Unlock()
	select {
	case <-exited:
	case <-time.After(readyTimeout):
		s.t.Fatalf("redis-server did not stop:\n%s", s.logTail())
	}
}

// Restart starts the server again on the same port, with the snapshot Stop saved.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatal(err)
	}
}

// Freeze stops the process (SIGSTOP) without closing anything: connections hang, as with a
// Redis that is unreachable or stuck. Thaw lets it go on.
func (s *Server) Freeze() {
	s.t.Helper()
	s.signal(syscall.SIGSTOP, true)
}

// Thaw resumes a frozen server.
func (s *Server) Thaw() {
	s.t.Helper()
	s.signal(syscall.SIGCONT, false)
}

func (s *Server) signal(sig syscall.Signal, frozen bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signal redis-server: %v", err)
	}
	s.frozen = frozen
}

// Flush empties the server (FLUSHALL), as an operator or an eviction storm might.
func (s *Server) Flush() {
	s.t.Helper()
	c := s.Client()
	defer c.Close()
	if err := c.FlushAll(context.Background()).Err(); err != nil {
		s.t.Fatalf("FLUSHALL: %v", err)
	}
}

// Keys returns the keys matching pattern (KEYS: the test server is small).
func (s *Server) Keys(pattern string) []string {
	s.t.Helper()
	c := s.Client()
	defer c.Close()
	keys, err := c.Keys(context.Background(), pattern).Result()
	if err != nil {
		s.t.Fatalf("KEYS %s: %v", pattern, err)
	}
	return keys
}

// Stat returns a field of INFO stats (keyspace_hits, keyspace_misses, ...): the server's own
// counters, for tests that check the cache was used without timing anything.
func (s *Server) Stat(field string) int64 {
	s.t.Helper()
	c := s.Client()
	defer c.Close()
	info, err := c.Info(context.Background(), "stats").Result()
	if err != nil {
		s.t.Fatalf("INFO stats: %v", err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				s.t.Fatalf("INFO stats %s: %q", field, v)
			}
			return n
		}
	}
	s.t.Fatalf("INFO stats has no %s", field)
	return 0
}

// kill ends the server at the end of the test, thawing it first if frozen.
func (s *Server) kill() {
	s.mu.Lock()
	cmd, exited, frozen := s.cmd, s.exited, s.frozen
	s.mu.Unlock()
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

func (s *Server) logTail() string {
	raw, err := os.ReadFile(filepath.Join(s.dir, "redis.log"))
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
