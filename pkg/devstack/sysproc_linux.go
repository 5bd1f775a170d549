package devstack

import "syscall"

// sysProcAttr puts each process in its own group, so that Stop can signal it together with
// anything it spawned and so that a terminal's Ctrl-C reaches devstack alone, which then stops
// the processes in order. Pdeathsig kills the process if devstack or the test that started it
// dies without stopping it, so no orphan keeps holding a port. SIGKILL, not SIGTERM: the stack
// keeps no state worth a graceful stop (etcd is wiped at start, Jaeger keeps traces in memory).
// Linux sends it when the thread that forked dies; Go keeps its threads for the life of the
// program unless a goroutine exits while locked to one, which nothing here does.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
