//go:build integration

package devstack

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// recordingOut keeps the stack's human lines for the test to read, and logs them as they come.
type recordingOut struct {
	t     *testing.T
	mu    sync.Mutex
	lines []string
}

func (o *recordingOut) Write(b []byte) (int, error) {
	line := strings.TrimRight(string(b), "\n")
	o.t.Log(time.Now().Format("15:04:05.000"), line)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lines = append(o.lines, line)
	return len(b), nil
}

// count says how many lines start with prefix and contain every one of parts.
func (o *recordingOut) count(prefix string, parts ...string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, l := range o.lines {
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			n++
		}
	}
	return n
}

// eventually polls cond until it holds, failing the test after bound.
func eventually(t *testing.T, bound time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", bound, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitBack waits until the named program runs a process other than old, ready, after at least
// restarts restarts.
func waitBack(t *testing.T, s *Stack, name string, old, restarts int) ProcessStatus {
	t.Helper()
	var st ProcessStatus
	eventually(t, 60*time.Second, name+" restarted and ready", func() bool {
		st = statusOf(t, s, name)
		return st.Ready && st.PID != old && st.Restarts >= restarts
	})
	return st
}

// TestSupervisorRestarts kills a service, the gateway and etcd of a stand-in stack, and makes a
// service fail its restarts for a while: each comes back on its own, each exit and restart is
// one line, and only Stop ends the stack.
func TestSupervisorRestarts(t *testing.T) {
	out := &recordingOut{t: t}
	failFile := filepath.Join(t.TempDir(), "fail")
	s, ports, _, err := startStandInsWith(t, func(o *Options) { o.Out = out }, standInFailFileEnv+"="+failFile)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a killed service", func(t *testing.T) {
		old := procNamed(t, s, "favorite").pid()
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitBack(t, s, "favorite", old, 1)
		if n := out.count("favorite exited (signal: killed)", "restarting in 200ms"); n != 1 {
			t.Errorf("%d exit lines for favorite, want 1", n)
		}
		if n := out.count("favorite is back"); n != 1 {
			t.Errorf("%d restart lines for favorite, want 1", n)
		}
		log, err := os.ReadFile(filepath.Join(s.LogDir(), "favorite.log"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(string(log), "stand-in started") != 2 || !strings.Contains(string(log), "devstack: restart after the previous process exited: signal: killed") {
			t.Errorf("favorite.log does not hold both runs with the restart between them:\n%s", log)
		}
	})

	t.Run("a killed gateway", func(t *testing.T) {
		old := procNamed(t, s, "api-gateway").pid()
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitBack(t, s, "api-gateway", old, 1)
		resp, err := http.Get(s.GatewayURL() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("gateway after its restart: %s", resp.Status)
		}
	})

	t.Run("a service that cannot start for a while", func(t *testing.T) {
		if err := os.WriteFile(failFile, []byte("comment"), 0o644); err != nil {
			t.Fatal(err)
		}
		old := procNamed(t, s, "comment").pid()
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, "two failed restarts of comment", func() bool {
			return out.count("comment restart failed", "exit status 4", "comment.log", "next try in") >= 2
		})
		if st := statusOf(t, s, "comment"); st.Ready {
			t.Fatalf("comment ready although it cannot start: %+v", st)
		}
		if err := os.Remove(failFile); err != nil {
			t.Fatal(err)
		}
		st := waitBack(t, s, "comment", old, 3)
		t.Logf("comment back after %d restarts", st.Restarts)
	})

	t.Run("etcd away and back", func(t *testing.T) {
		old := procNamed(t, s, "etcd").pid()
		if err := s.KillFor("etcd", 2*time.Second); err != nil {
			t.Fatal(err)
		}
		waitBack(t, s, "etcd", old, 1)
		if n := out.count("etcd exited (signal: killed)", "held down on request"); n != 1 {
			t.Errorf("%d lines for the held-down etcd, want 1", n)
		}
		// The data survived the restart: every service is still registered.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp, err := s.etcd.Get(ctx, registryPrefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range serviceNames() {
			found := false
			for _, kv := range resp.Kvs {
				found = found || strings.HasPrefix(string(kv.Key), registryPrefix+name+"/")
			}
			if !found {
				t.Errorf("%s is not registered after etcd's restart", name)
			}
		}
	})

	t.Run("a killed jaeger", func(t *testing.T) {
		old := procNamed(t, s, "jaeger").pid()
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitBack(t, s, "jaeger", old, 1)
	})

	failures := s.Failures()
	var names []string
	for _, f := range failures {
		names = append(names, f.Name)
	}
	// favorite, api-gateway, comment (killed, then at least two failed restarts), etcd, jaeger.
	if len(failures) < 6 || failures[0].Name != "favorite" || failures[len(failures)-1].Name != "jaeger" {
		t.Errorf("Failures = %v", names)
	}
	select {
	case err := <-s.Done():
		t.Errorf("a supervised stack reported on Done: %v", err)
	default:
	}
	for _, st := range s.Status() {
		if !st.Ready {
			t.Errorf("%s is not ready at the end: %+v", st.Name, st)
		}
	}
	if err := s.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	assertGone(t, s)
	assertNoChildren(t)
	assertPortsFree(t, ports)
	if n := out.count("", "exited ("); n != 5 {
		t.Errorf("%d exit lines in all, want 5: Stop must not be taken for crashes", n)
	}
}

// TestStopDuringRestartWait stops a stack while a killed process waits for its restart: nothing
// is started after Stop, and nothing is left behind.
func TestStopDuringRestartWait(t *testing.T) {
	s, ports, _, err := startStandIns(t)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.KillFor("video", time.Hour); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "video seen down", func() bool { return !statusOf(t, s, "video").Ready })
	if err := s.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if st := statusOf(t, s, "video"); st.Restarts != 0 {
		t.Errorf("video restarted: %+v", st)
	}
	assertGone(t, s)
	assertNoChildren(t)
	assertPortsFree(t, ports)
	if err := s.KillFor("nobody", 0); err == nil || !strings.Contains(err.Error(), `"nobody"`) {
		t.Errorf("KillFor of an unknown program: %v", err)
	}
}
