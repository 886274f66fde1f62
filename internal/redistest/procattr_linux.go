package redistest

import "syscall"

// sysProcAttr makes the kernel kill redis-server if the test binary dies first,
// so a crashed or interrupted test run leaves no server behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
