// Package rawsys holds the short system calls that the small programs
// (envdir, svok, svstat, svc) make on files and directories, made raw:
// the runtime is not told about them. Told (unix.Open, unix.Chdir, ...),
// it may hand its P to another thread when one of them takes more than
// 20 microseconds, which an open or a chdir on an overlay or network file
// system does; each hand-off wakes a thread, a measurable share of such a
// program's whole cost (README, Performance). Use them only for calls
// that cannot block: a FIFO opened without O_NONBLOCK, or a read that
// may wait, goes through the runtime.
package rawsys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// atFDCWD is unix.AT_FDCWD in a variable: a negative constant cannot be
// converted to uintptr.
var atFDCWD = unix.AT_FDCWD

// Open is openat(AT_FDCWD, path, flags); no mode (nothing is created).
func Open(path string, flags int) (int, error) {
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		return -1, err
	}
	fd, _, e := unix.RawSyscall6(unix.SYS_OPENAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(p)), uintptr(flags), 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

// Chdir is chdir(2).
func Chdir(path string) error {
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		return err
	}
	if _, _, e := unix.RawSyscall(unix.SYS_CHDIR, uintptr(unsafe.Pointer(p)), 0, 0); e != 0 {
		return e
	}
	return nil
}

// Fchdir is fchdir(2).
func Fchdir(fd int) error {
	if _, _, e := unix.RawSyscall(unix.SYS_FCHDIR, uintptr(fd), 0, 0); e != 0 {
		return e
	}
	return nil
}

// Close is close(2).
func Close(fd int) error {
	if _, _, e := unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0); e != 0 {
		return e
	}
	return nil
}

// Read is read(2); -1 and the error on failure.
func Read(fd int, b []byte) (int, error) { return io(unix.SYS_READ, fd, b) }

// Getdents is getdents64(2), in unix.Getdents's form.
func Getdents(fd int, b []byte) (int, error) { return io(unix.SYS_GETDENTS64, fd, b) }

func io(trap uintptr, fd int, b []byte) (int, error) {
	n, _, e := unix.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}
