//go:build linux && (386 || arm)

package chainload

import "golang.org/x/sys/unix"

// The 32-bit ids' system calls: on i386 and arm, setuid and setgid take
// 16-bit ids; setuid32 and setgid32 are the ones glibc calls.
const (
	sysSetuid = unix.SYS_SETUID32
	sysSetgid = unix.SYS_SETGID32
)
