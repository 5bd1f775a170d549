//go:build unix && !linux

package devstack

import "syscall"

// sysProcAttr puts each process in its own group so that Stop can signal it with its children.
// Only Linux offers Pdeathsig; elsewhere a killed devstack can leave its processes running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
