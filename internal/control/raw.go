package control

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The system calls of svok, svstat and svc on a service directory are
// raw: the runtime is not told about them. Told, it may hand its P to a
// new thread when one of them (an open, a chdir) takes more than 20
// microseconds, and waking that thread was a measurable part of svok's
// and svstat's cost. None of them blocks: the FIFOs are opened
// non-blocking; only Send's write, which may wait for a full FIFO, goes
// through the runtime.

// atFDCWD is unix.AT_FDCWD in a variable: a negative constant cannot be
// converted to uintptr.
var atFDCWD = unix.AT_FDCWD

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

func rawClose(fd int) error {
	if _, _, e := unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0); e != 0 {
		return e
	}
	return nil
}

func rawRead(fd int, b []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}
