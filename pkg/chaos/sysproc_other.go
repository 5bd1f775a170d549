//go:build !linux

package chaos

import "syscall"

// sysProcAttr puts a private server in its own process group, so that a kill reaches all of it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
