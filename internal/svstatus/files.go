package svstatus

import (
	"errors"
	"runtime"
	"syscall"
	"unsafe"
)

// The functions below work on paths relative to a directory descriptor:
// AT_FDCWD (the current directory) for supervise, which runs inside the
// service directory like 0.76's; the service directory's own descriptor
// for svscan's in-process supervision, which keeps one per service. The
// functions without "At" are those with AT_FDCWD.
//
// They use package syscall, not golang.org/x/sys/unix: this package is
// part of svok and svstat, and x/sys/unix imports package time, whose
// start-up costs each of them a tenth of a millisecond.

// atFDCWD is AT_FDCWD, which package syscall does not export.
const atFDCWD = -100

// ErrPartialWrite is reported when fewer than Size bytes reached
// status.new; supervise prints it as "partial write".
var ErrPartialWrite = errors.New("partial write")

// WriteError says which step of Write failed: "open" or "write" (on
// StatusNew) or "rename" (StatusNew to Status).
type WriteError struct {
	Op  string
	Err error
}

func (e *WriteError) Error() string { return e.Op + " " + StatusNew + ": " + e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

var statusNewPath, statusPath = NewSysPath(StatusNew), NewSysPath(Status)

// Write replaces supervise/status with the record as 0.76 does: it
// truncates and writes status.new in a single write, closes it, and
// renames it over status, so a reader sees either the old record or the
// new one, never a torn one. The file is created 0644 (before umask).
func Write(r Record) error { return WriteAt(atFDCWD, r) }

// WriteAt is Write in the service directory dirfd.
func WriteAt(dirfd int, r Record) error {
	b := r.Encode()
	fd, err := statusNewPath.OpenAt(dirfd, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_TRUNC|syscall.O_CREAT|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return &WriteError{"open", err}
	}
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(fd), 0, 0)
	if e != 0 {
		return &WriteError{"write", e}
	}
	if int(n) < Size {
		return &WriteError{"write", ErrPartialWrite}
	}
	if err := statusNewPath.RenameAt(dirfd, statusPath); err != nil {
		return &WriteError{"rename", err}
	}
	return nil
}

// ReadlinkError wraps the error of Debian's dangling-symlink check; supervise
// dies with "unable to readlink ./supervise: ERR".
type ReadlinkError struct{ Err error }

func (e *ReadlinkError) Error() string { return "readlink ./" + Dir + ": " + e.Err.Error() }
func (e *ReadlinkError) Unwrap() error { return e.Err }

// MakeDir creates supervise/ with mode 0700 unless it exists. Debian's
// patch adds: when supervise is a symbolic link whose target is missing,
// the target is created (0700) instead. Only a readlink failure other
// than "not a link" or "no such file" is an error; a target of 256 bytes
// or more is reported as EOVERFLOW, like the C code's fixed buffer.
func MakeDir() error { return MakeDirAt(atFDCWD) }

// MakeDirAt is MakeDir in the service directory dirfd. (A relative link
// target is taken from dirfd too, as the C code takes it from the
// service directory it runs in.)
func MakeDirAt(dirfd int) error {
	if syscall.Mkdirat(dirfd, Dir, 0o700) == nil {
		return nil
	}
	var buf [256]byte
	n, err := readlinkat(dirfd, Dir, buf[:])
	switch {
	case err == syscall.ENOENT || err == syscall.EINVAL:
		return nil
	case err != nil:
		return &ReadlinkError{err}
	case n >= len(buf):
		return &ReadlinkError{syscall.EOVERFLOW}
	}
	syscall.Mkdirat(dirfd, string(buf[:n]), 0o700) // as in Debian: the result is not checked
	return nil
}

// readlinkat is readlinkat(2), which package syscall does not export.
func readlinkat(dirfd int, path string, buf []byte) (int, error) {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return 0, err
	}
	n, _, e := syscall.Syscall6(syscall.SYS_READLINKAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// AcquireLock opens supervise/lock the way 0.76 does (write-only, append,
// non-blocking, created 0600) and takes a non-blocking exclusive flock(2)
// on it, so Debian's C supervise and ours exclude each other. The
// descriptor is close-on-exec and must stay open while the lock is held.
func AcquireLock() (int, error) { return AcquireLockAt(atFDCWD) }

// AcquireLockAt is AcquireLock in the service directory dirfd.
func AcquireLockAt(dirfd int) (int, error) {
	fd, err := syscall.Openat(dirfd, Lock, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_APPEND|syscall.O_CREAT|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return -1, err
	}
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

// A SysPath is a file name turned once into the NUL-terminated form the
// kernel takes. supervise writes the status (and reads its options) at
// every start and exit of a service; through a SysPath that allocates
// nothing, so a crash-looping service leaves no garbage in supervise's
// heap and its memory stays flat.
type SysPath struct{ p *byte }

// NewSysPath converts name; it panics if name contains a NUL byte, so use
// it for constant names only.
func NewSysPath(name string) SysPath {
	p, err := syscall.BytePtrFromString(name)
	if err != nil {
		panic("svstatus: NUL in path " + name)
	}
	return SysPath{p}
}

// The system calls on a SysPath, and Write's, are raw: supervise makes
// them in the middle of a restart, and told about them the runtime would
// hand its only P to another thread whenever one took more than 20
// microseconds (see supervise's raw.go). None of them waits for anything.

// Open is open(2) with flags and perm; the result is a raw descriptor.
func (p SysPath) Open(flags int, perm uint32) (int, error) {
	return p.OpenAt(atFDCWD, flags, perm)
}

// OpenAt is openat(2): p relative to dirfd.
func (p SysPath) OpenAt(dirfd, flags int, perm uint32) (int, error) {
	fd, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(p.p)), uintptr(flags), uintptr(perm), 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

// RenameTo is rename(2) from p to q.
func (p SysPath) RenameTo(q SysPath) error { return p.RenameAt(atFDCWD, q) }

// RenameAt is renameat(2) from p to q, both relative to dirfd.
func (p SysPath) RenameAt(dirfd int, q SysPath) error {
	_, _, e := syscall.RawSyscall6(sysRenameat2(), uintptr(dirfd), uintptr(unsafe.Pointer(p.p)), uintptr(dirfd), uintptr(unsafe.Pointer(q.p)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// sysRenameat2 is renameat2's number, from golang.org/x/sys/unix's tables:
// package syscall's, frozen, lack it on some architectures (amd64, 386,
// arm, ppc64le). The switch is on a constant, decided when compiling.
func sysRenameat2() uintptr {
	switch runtime.GOARCH {
	case "amd64":
		return 316
	case "386":
		return 353
	case "arm":
		return 382
	case "ppc64", "ppc64le":
		return 357
	case "s390x":
		return 347
	case "mips", "mipsle":
		return 4351
	case "mips64", "mips64le":
		return 5311
	}
	return 276 // the generic table: arm64, loong64, riscv64
}
