//go:build linux && !amd64 && !s390x

package supervise

import "golang.org/x/sys/unix"

// rawVfork is clone(flags); on this architecture a plain fork (clone with
// SIGCHLD only), since sharing the stack with the child needs the return
// address kept out of it (see vfork_linux_amd64.s). The flags are clone's
// first argument on every Linux port but s390x (vfork_linux_s390x.go), as
// in package syscall.
//
//go:nosplit
func rawVfork(flags uintptr) (pid uintptr, err unix.Errno) {
	r, _, e := unix.RawSyscall6(unix.SYS_CLONE, flags, 0, 0, 0, 0, 0)
	return r, e
}

const cloneFlags = uintptr(unix.SIGCHLD)
