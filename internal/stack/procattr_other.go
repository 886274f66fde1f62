//go:build !linux

package stack

import "syscall"

// sysProcAttr returns nil: only Linux can tie a program's life to its parent.
func sysProcAttr() *syscall.SysProcAttr { return nil }
