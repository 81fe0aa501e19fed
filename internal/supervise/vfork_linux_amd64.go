package supervise

import "golang.org/x/sys/unix"

// rawVfork is clone(flags) for a child that shares our memory and stack
// until it execs (vfork_linux_amd64.s).
func rawVfork(flags uintptr) (pid uintptr, err unix.Errno)

// cloneFlags: the child borrows our memory instead of a copy of it, and
// we wait until it has exec'd (or exited).
const cloneFlags = unix.CLONE_VM | unix.CLONE_VFORK | uintptr(unix.SIGCHLD)
