//go:build !linux

package seaweedtest

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
