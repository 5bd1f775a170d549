//go:build integration

package devstack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// orphanEnv makes the test binary a short-lived owner of an etcd (see runOrphanOwner); its
// value is "<root>|<var dir>|<etcd client port>|<etcd peer port>".
const orphanEnv = "DEVSTACK_ORPHAN_OWNER"

// runOrphanOwner starts etcd the way Start does, prints its pid and waits to be killed.
func runOrphanOwner(spec string) int {
	parts := strings.Split(spec, "|")
	if len(parts) != 4 {
		fmt.Fprintln(os.Stderr, "bad", orphanEnv, spec)
		return 2
	}
	ports := DefaultPorts()
	ports.EtcdClient, _ = strconv.Atoi(parts[2])
	ports.EtcdPeer, _ = strconv.Atoi(parts[3])
	s, err := newStack(Options{Root: parts[0], VarDir: parts[1], Ports: ports})
	if err == nil {
		err = s.prepareDirs()
	}
	if err == nil {
		err = s.startEtcd(context.Background())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(s.procs[0].pid())
	select {}
}

// TestKilledOwnerLeavesNoOrphan kills (SIGKILL, no cleanup possible) a process that started
// etcd: etcd must die with it and free its port, as when a test binary is killed on timeout.
func TestKilledOwnerLeavesNoOrphan(t *testing.T) {
	root := requireRealBinaries(t, "etcd")
	ports := freePorts(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	owner := exec.Command(self)
	owner.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%s|%d|%d", orphanEnv, root, t.TempDir(), ports.EtcdClient, ports.EtcdPeer),
		"GORACE=atexit_sleep_ms=0")
	owner.Stderr = os.Stderr
	stdout, err := owner.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = owner.Process.Kill()
		_ = owner.Wait()
		t.Fatalf("owner did not report etcd's pid: %v", err)
	}
	etcdPID, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("owner printed %q", line)
	}
	_ = owner.Process.Kill()
	_ = owner.Wait()

	// Gone means dead and its port free: a dying process's leader turns zombie while its other
	// threads still hold its sockets, so the port frees a moment later.
	deadline := time.Now().Add(5 * time.Second)
	for alive(etcdPID) || bindable(ports.EtcdClient, false) != nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(etcdPID, syscall.SIGKILL)
			t.Fatalf("etcd (pid %d) outlived the process that started it, or kept its port: alive=%v, bind: %v",
				etcdPID, alive(etcdPID), bindable(ports.EtcdClient, false))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// alive reports whether pid runs; a zombie (dead, waiting for init to reap it) does not count.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || !strings.HasPrefix(strings.TrimSpace(string(stat[i+1:])), "Z")
}
