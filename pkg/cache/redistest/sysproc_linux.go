package redistest

import "syscall"

// sysProcAttr kills redis-server with the test binary, even when the test binary dies without
// cleaning up (a timeout panic), so that no server outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
