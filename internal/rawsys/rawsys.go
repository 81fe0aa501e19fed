// Package rawsys holds the short system calls that the small programs
// (envdir, svok, svstat, svc) make on files and directories, made raw:
// the runtime is not told about them. Told (syscall.Open, syscall.Chdir,
// ...), it may hand its P to another thread when one of them takes more
// than 20 microseconds, which an open or a chdir on an overlay or network
// file system does; each hand-off wakes a thread, a measurable share of
// such a program's whole cost (README, Performance). Use them only for
// calls that cannot block: a FIFO opened without O_NONBLOCK, or a read
// that may wait, goes through the runtime.
//
// They are made through package syscall: golang.org/x/sys/unix imports
// package time, whose start-up costs svok and svstat a tenth of a
// millisecond.
package rawsys

import (
	"syscall"
	"unsafe"
)

// atFDCWD is AT_FDCWD, which package syscall does not export, in a
// variable: a negative constant cannot be converted to uintptr.
var atFDCWD = -100

// Open is openat(AT_FDCWD, path, flags); no mode (nothing is created).
func Open(path string, flags int) (int, error) {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return -1, err
	}
	fd, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(p)), uintptr(flags), 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

// Chdir is chdir(2).
func Chdir(path string) error {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return err
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_CHDIR, uintptr(unsafe.Pointer(p)), 0, 0); e != 0 {
		return e
	}
	return nil
}

// Fchdir is fchdir(2).
func Fchdir(fd int) error {
	if _, _, e := syscall.RawSyscall(syscall.SYS_FCHDIR, uintptr(fd), 0, 0); e != 0 {
		return e
	}
	return nil
}

// Close is close(2).
func Close(fd int) error {
	if _, _, e := syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(fd), 0, 0); e != 0 {
		return e
	}
	return nil
}

// Read is read(2); -1 and the error on failure.
func Read(fd int, b []byte) (int, error) { return io(syscall.SYS_READ, fd, b) }

// Getdents is getdents64(2), in unix.Getdents's form.
func Getdents(fd int, b []byte) (int, error) { return io(syscall.SYS_GETDENTS64, fd, b) }

func io(trap uintptr, fd int, b []byte) (int, error) {
	n, _, e := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}
