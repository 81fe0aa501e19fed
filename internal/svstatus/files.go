package svstatus

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The functions below work on paths relative to a directory descriptor:
// AT_FDCWD (the current directory) for supervise, which runs inside the
// service directory like 0.76's; the service directory's own descriptor
// for svscan's in-process supervision, which keeps one per service. The
// functions without "At" are those with AT_FDCWD.

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
func Write(r Record) error { return WriteAt(unix.AT_FDCWD, r) }

// WriteAt is Write in the service directory dirfd.
func WriteAt(dirfd int, r Record) error {
	b := r.Encode()
	fd, err := statusNewPath.OpenAt(dirfd, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_TRUNC|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return &WriteError{"open", err}
	}
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
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
func MakeDir() error { return MakeDirAt(unix.AT_FDCWD) }

// MakeDirAt is MakeDir in the service directory dirfd. (A relative link
// target is taken from dirfd too, as the C code takes it from the
// service directory it runs in.)
func MakeDirAt(dirfd int) error {
	if unix.Mkdirat(dirfd, Dir, 0o700) == nil {
		return nil
	}
	var buf [256]byte
	n, err := unix.Readlinkat(dirfd, Dir, buf[:])
	switch {
	case err == unix.ENOENT || err == unix.EINVAL:
		return nil
	case err != nil:
		return &ReadlinkError{err}
	case n >= len(buf):
		return &ReadlinkError{unix.EOVERFLOW}
	}
	unix.Mkdirat(dirfd, string(buf[:n]), 0o700) // as in Debian: the result is not checked
	return nil
}

// AcquireLock opens supervise/lock the way 0.76 does (write-only, append,
// non-blocking, created 0600) and takes a non-blocking exclusive flock(2)
// on it, so Debian's C supervise and ours exclude each other. The
// descriptor is close-on-exec and must stay open while the lock is held.
func AcquireLock() (int, error) { return AcquireLockAt(unix.AT_FDCWD) }

// AcquireLockAt is AcquireLock in the service directory dirfd.
func AcquireLockAt(dirfd int) (int, error) {
	fd, err := unix.Openat(dirfd, Lock, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_APPEND|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return -1, err
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		unix.Close(fd)
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
	p, err := unix.BytePtrFromString(name)
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
	return p.OpenAt(unix.AT_FDCWD, flags, perm)
}

// OpenAt is openat(2): p relative to dirfd.
func (p SysPath) OpenAt(dirfd, flags int, perm uint32) (int, error) {
	fd, _, e := unix.RawSyscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(p.p)), uintptr(flags), uintptr(perm), 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

// RenameTo is rename(2) from p to q.
func (p SysPath) RenameTo(q SysPath) error { return p.RenameAt(unix.AT_FDCWD, q) }

// RenameAt is renameat(2) from p to q, both relative to dirfd.
func (p SysPath) RenameAt(dirfd int, q SysPath) error {
	_, _, e := unix.RawSyscall6(unix.SYS_RENAMEAT2, uintptr(dirfd), uintptr(unsafe.Pointer(p.p)), uintptr(dirfd), uintptr(unsafe.Pointer(q.p)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}
