package chaos

import "syscall"

// sysProcAttr puts a private server in its own process group (so that a kill reaches all of it)
// and has Linux kill it if the suite dies first, so that no orphan keeps a port or a data folder.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
