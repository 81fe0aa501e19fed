package spawn

import "golang.org/x/sys/unix"

// rawVfork is clone(flags) for a child that shares our memory and stack
// until it execs (vfork_arm64.s).
func rawVfork(flags uintptr) (pid uintptr, err unix.Errno)
