//go:build linux && !s390x

package svwait

import "golang.org/x/sys/unix"

// rawFork is clone(SIGCHLD): a plain fork. The flags are clone's first
// argument on every Linux port but s390x (fork_linux_s390x.go).
//
//go:nosplit
func rawFork() (pid uintptr, err unix.Errno) {
	r, _, e := unix.RawSyscall6(unix.SYS_CLONE, uintptr(unix.SIGCHLD), 0, 0, 0, 0, 0)
	return r, e
}
