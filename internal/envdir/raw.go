package envdir

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The system calls of Read are raw: the runtime is not told about them.
// Told (unix.Open, unix.Chdir, ...), it may hand its P to another thread
// when one of them takes more than 20 microseconds, which an open or a
// chdir on an overlay or network file system does; each hand-off wakes
// a thread, and envdir's start-up cost rose by a tenth of a millisecond.
// None of them waits for anything but the file system.

func rawOpen(path string, flags int) (int, error) {
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

// atFDCWD is unix.AT_FDCWD in a variable: a negative constant cannot be
// converted to uintptr.
var atFDCWD = unix.AT_FDCWD

func rawChdir(path string) error {
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		return err
	}
	if _, _, e := unix.RawSyscall(unix.SYS_CHDIR, uintptr(unsafe.Pointer(p)), 0, 0); e != 0 {
		return e
	}
	return nil
}

func rawFchdir(fd int) error {
	if _, _, e := unix.RawSyscall(unix.SYS_FCHDIR, uintptr(fd), 0, 0); e != 0 {
		return e
	}
	return nil
}

func rawClose(fd int) {
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

// rawRead and rawGetdents have the form chunks takes.
func rawRead(fd int, b []byte) (int, error) {
	return rawIO(unix.SYS_READ, fd, b)
}

func rawGetdents(fd int, b []byte) (int, error) {
	return rawIO(unix.SYS_GETDENTS64, fd, b)
}

func rawIO(trap uintptr, fd int, b []byte) (int, error) {
	n, _, e := unix.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}
