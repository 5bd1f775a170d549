//go:build integration

package devstack

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// repoRoot is the repository root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.work")); err != nil {
		t.Fatalf("repository root not found at %s: %v", root, err)
	}
	return root
}

// requireRealBinaries fails (never skips) when the programs the tests run are not built.
func requireRealBinaries(t *testing.T, names ...string) string {
	t.Helper()
	root := repoRoot(t)
	if err := checkBinaries(root, names...); err != nil {
		t.Fatal(err)
	}
	return root
}

// standInRoot makes a repository root whose bin/ holds the real etcd, Jaeger, Prometheus and NATS
// and, for the services, the media worker and the gateway, links to this test binary, which then
// acts as them (see TestMain). Prometheus reads the alert rules from the root's deploy/ folder.
func standInRoot(t *testing.T) string {
	t.Helper()
	real := requireRealBinaries(t, "etcd", "jaeger", "prometheus", "nats-server")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	mustMkdir(t, filepath.Join(root, "bin"))
	for _, name := range []string{"etcd", "jaeger", "prometheus", "nats-server"} {
		mustSymlink(t, filepath.Join(real, "bin", name), filepath.Join(root, "bin", name))
	}
	mustSymlink(t, filepath.Join(real, "deploy"), filepath.Join(root, "deploy"))
	for _, name := range append(serviceNames(), "media-worker", "api-gateway") {
		mustSymlink(t, self, filepath.Join(root, "bin", name))
	}
	return root
}

func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// freePorts is FreePorts for a test.
func freePorts(t *testing.T) Ports {
	t.Helper()
	p, err := FreePorts()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// testOut collects a stack's progress lines in the test log.
type testOut struct{ t *testing.T }

func (o testOut) Write(b []byte) (int, error) {
	o.t.Log(time.Now().Format("15:04:05.000"), string(bytes.TrimRight(b, "\n")))
	return len(b), nil
}

// assertGone checks that every process the stack started has exited and been reaped, and that
// its process group is empty.
func assertGone(t *testing.T, s *Stack) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.procs) == 0 {
		t.Error("the stack started no process")
	}
	for _, p := range s.procs {
		if !p.hasExited() {
			t.Errorf("%s (pid %d) is still running", p.name, p.pid())
		}
		if err := syscall.Kill(-p.pid(), 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process group of %s (pid %d) still exists: %v", p.name, p.pid(), err)
		}
	}
}

// assertNoChildren checks that this test process has no child process left.
func assertNoChildren(t *testing.T) {
	t.Helper()
	if kids := children(); len(kids) > 0 {
		t.Errorf("child processes left: %v", kids)
	}
}

// children lists the processes whose parent is this process, as "pid comm".
func children() []string {
	entries, _ := os.ReadDir("/proc")
	var kids []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces, so parse after the last ')'.
		end := bytes.LastIndexByte(stat, ')')
		if end < 0 {
			continue
		}
		var state string
		var ppid int
		if _, err := fmt.Sscan(string(stat[end+1:]), &state, &ppid); err != nil {
			continue
		}
		if ppid == os.Getpid() {
			start := bytes.IndexByte(stat, '(')
			kids = append(kids, fmt.Sprintf("%d %s", pid, stat[start+1:end]))
		}
	}
	return kids
}

// assertPortsFree checks that every port of the stack can be bound again. Ports are released as
// the processes exit, so a short retry covers the kernel catching up.
func assertPortsFree(t *testing.T, p Ports) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		err := p.checkFree(2)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("ports still in use after stop: %v", err)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
