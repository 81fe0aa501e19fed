package supervise

import "golang.org/x/sys/unix"

// rawVfork is clone(0, flags), a plain fork as in vfork_other.go: s390x's
// clone takes the new stack first and the flags second (package syscall
// swaps them the same way).
//
//go:nosplit
func rawVfork(flags uintptr) (pid uintptr, err unix.Errno) {
	r, _, e := unix.RawSyscall6(unix.SYS_CLONE, 0, flags, 0, 0, 0, 0)
	return r, e
}

const cloneFlags = uintptr(unix.SIGCHLD)
