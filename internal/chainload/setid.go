//go:build linux && !386 && !arm

package chainload

import "golang.org/x/sys/unix"

// setuid and setgid take 32-bit ids on every other architecture.
const (
	sysSetuid = unix.SYS_SETUID
	sysSetgid = unix.SYS_SETGID
)
