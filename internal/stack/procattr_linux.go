package stack

import "syscall"

// sysProcAttr makes the kernel kill a started program if the thread that
// started it dies first, so a crashed or interrupted run leaves nothing behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
