package multilog

// TIOCINQ is FIONREAD: bytes waiting in a pipe.
import "golang.org/x/sys/unix"

func ioctlFIONREAD(fd int) (int, error) { return unix.IoctlGetInt(fd, unix.TIOCINQ) }
