// Package natstest runs a real NATS server with JetStream for tests: bin/nats-server of the
// repository, which `make build` builds from the Go module proxy. It listens on a free loopback
// port, keeps its streams in a test folder, and is killed when the test ends; a test can stop
// and restart it on the same port and folder, as an outage would.
package natstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const readyTimeout = 30 * time.Second

// Server is a running nats-server.
type Server struct {
	URL     string // nats://127.0.0.1:port
	LogPath string

	t        testing.TB
	bin, dir string
	port     int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// Start starts bin/nats-server (root is the repository root) and waits until JetStream answers.
// It fails the test, never skips it, when the binary is missing.
func Start(t testing.TB, root string) *Server {
	t.Helper()
	bin := filepath.Join(root, "bin", "nats-server")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is missing: run make build (it builds nats-server from the Go module proxy)", bin)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	s := &Server{URL: "nats://127.0.0.1:" + strconv.Itoa(port), LogPath: filepath.Join(dir, "nats.log"),
		t: t, bin: bin, dir: dir, port: port}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			raw, _ := os.ReadFile(s.LogPath)
			if len(raw) > 3000 {
				raw = raw[len(raw)-3000:]
			}
			t.Logf("--- end of the NATS log %s:\n%s", s.LogPath, raw)
		}
	})
	s.Restart()
	return s
}

// Restart starts the server again (after Stop) on the same port and data folder, and waits until
// JetStream answers.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	logFile, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(s.bin, "--addr", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--jetstream", "--store_dir", filepath.Join(s.dir, "data"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	if err := s.waitReady(exited); err != nil {
		s.t.Fatalf("nats-server: %v (log %s)", err, s.LogPath)
	}
}

// Stop kills the server (SIGKILL, as a crash would); its streams stay in the data folder.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

func (s *Server) waitReady(exited <-chan struct{}) error {
	var last error
	for deadline := time.Now().Add(readyTimeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-exited:
			return errors.New("exited during start")
		default:
		}
		last = s.jetStreamAnswers()
		if last == nil {
			return nil
		}
	}
	return fmt.Errorf("not ready within %s: %v", readyTimeout, last)
}

func (s *Server) jetStreamAnswers() error {
	nc, err := nats.Connect(s.URL, nats.Timeout(time.Second))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = js.AccountInfo(ctx)
	return err
}
