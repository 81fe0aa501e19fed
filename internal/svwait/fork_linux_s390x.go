package svwait

import "golang.org/x/sys/unix"

// rawFork is clone(0, SIGCHLD): s390x's clone takes the new stack first
// and the flags second.
//
//go:nosplit
func rawFork() (pid uintptr, err unix.Errno) {
	r, _, e := unix.RawSyscall6(unix.SYS_CLONE, 0, uintptr(unix.SIGCHLD), 0, 0, 0, 0)
	return r, e
}
