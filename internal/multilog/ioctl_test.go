package multilog

// TIOCINQ is FIONREAD: bytes waiting in a pipe. The kernel stores a C
// int: read as 32 bits (unix.IoctlGetInt's 64-bit int would get it in its
// high half on s390x, 5 bytes as 5<<32).
import "golang.org/x/sys/unix"

func ioctlFIONREAD(fd int) (int, error) {
	n, err := unix.IoctlGetUint32(fd, unix.TIOCINQ)
	return int(int32(n)), err
}
