// Package djb owns daemontools 0.76's user-facing conventions: its own
// wording for system errors (not strerror), the "PROG: fatal: ..." and
// "PROG: warning: ..." message shapes, the exit codes 100 and 111, and its
// getopt. Every program prints through this package so the strings match
// the C build byte for byte.
package djb

import (
	"errors"
	"syscall"
)

// errText is daemontools' error table for the errno values Linux has,
// indexed by errno ("" for the others). An array, not a map: it is static
// data, where a map is built at every program's start.
var errText = [...]string{
	syscall.EINTR:           "interrupted system call",
	syscall.ENOMEM:          "out of memory",
	syscall.ENOENT:          "file does not exist",
	syscall.ETXTBSY:         "text busy",
	syscall.EIO:             "input/output error",
	syscall.EEXIST:          "file already exists",
	syscall.ETIMEDOUT:       "timed out",
	syscall.EINPROGRESS:     "operation in progress",
	syscall.EAGAIN:          "temporary failure",
	syscall.EPIPE:           "broken pipe",
	syscall.EPERM:           "permission denied",
	syscall.EACCES:          "access denied",
	syscall.ENXIO:           "device not configured",
	syscall.EPROTO:          "protocol error",
	syscall.EISDIR:          "is a directory",
	syscall.ECONNREFUSED:    "connection refused",
	syscall.ENOTDIR:         "not a directory",
	syscall.ESRCH:           "no such process",
	syscall.E2BIG:           "argument list too long",
	syscall.ENOEXEC:         "exec format error",
	syscall.EBADF:           "file descriptor not open",
	syscall.ECHILD:          "no child processes",
	syscall.EDEADLK:         "operation would cause deadlock",
	syscall.EFAULT:          "bad address",
	syscall.ENOTBLK:         "not a block device",
	syscall.EBUSY:           "device busy",
	syscall.EXDEV:           "cross-device link",
	syscall.ENODEV:          "device does not support operation",
	syscall.EINVAL:          "invalid argument",
	syscall.ENFILE:          "system cannot open more files",
	syscall.EMFILE:          "process cannot open more files",
	syscall.ENOTTY:          "not a tty",
	syscall.EFBIG:           "file too big",
	syscall.ENOSPC:          "out of disk space",
	syscall.ESPIPE:          "unseekable descriptor",
	syscall.EROFS:           "read-only file system",
	syscall.EMLINK:          "too many links",
	syscall.EDOM:            "input out of range",
	syscall.ERANGE:          "output out of range",
	syscall.EALREADY:        "operation already in progress",
	syscall.ENOTSOCK:        "not a socket",
	syscall.EDESTADDRREQ:    "destination address required",
	syscall.EMSGSIZE:        "message too long",
	syscall.EPROTOTYPE:      "incorrect protocol type",
	syscall.ENOPROTOOPT:     "protocol not available",
	syscall.EPROTONOSUPPORT: "protocol not supported",
	syscall.ESOCKTNOSUPPORT: "socket type not supported",
	syscall.EOPNOTSUPP:      "operation not supported",
	syscall.EPFNOSUPPORT:    "protocol family not supported",
	syscall.EAFNOSUPPORT:    "address family not supported",
	syscall.EADDRINUSE:      "address already used",
	syscall.EADDRNOTAVAIL:   "address not available",
	syscall.ENETDOWN:        "network down",
	syscall.ENETUNREACH:     "network unreachable",
	syscall.ENETRESET:       "network reset",
	syscall.ECONNABORTED:    "connection aborted",
	syscall.ECONNRESET:      "connection reset",
	syscall.ENOBUFS:         "out of buffer space",
	syscall.EISCONN:         "already connected",
	syscall.ENOTCONN:        "not connected",
	syscall.ESHUTDOWN:       "socket shut down",
	syscall.ETOOMANYREFS:    "too many references",
	syscall.ELOOP:           "symbolic link loop",
	syscall.ENAMETOOLONG:    "file name too long",
	syscall.EHOSTDOWN:       "host down",
	syscall.EHOSTUNREACH:    "host unreachable",
	syscall.ENOTEMPTY:       "directory not empty",
	syscall.EUSERS:          "too many users",
	syscall.EDQUOT:          "disk quota exceeded",
	syscall.ESTALE:          "stale NFS file handle",
	syscall.EREMOTE:         "too many levels of remote in path",
	syscall.ENOLCK:          "no locks available",
	syscall.ENOSYS:          "system call not available",
	syscall.ENOSTR:          "not a stream device",
	syscall.ETIME:           "timer expired",
	syscall.ENOSR:           "out of stream resources",
	syscall.ENOMSG:          "no message of desired type",
	syscall.EBADMSG:         "bad message type",
	syscall.EIDRM:           "identifier removed",
	syscall.ENONET:          "machine not on network",
	syscall.ENOLINK:         "link severed",
	syscall.EADV:            "advertise error",
	syscall.ESRMNT:          "srmount error",
	syscall.ECOMM:           "communication error",
	syscall.EMULTIHOP:       "multihop attempted",
	syscall.EREMCHG:         "remote address changed",
}

// Errno digs the system error number out of err (through *os.PathError,
// *os.SyscallError, *exec.Error and other wrappers). It returns 0 when err
// carries none.
func Errno(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	switch {
	case holdsSentinel(err, syscall.ENOENT): // fs.ErrNotExist
		return syscall.ENOENT
	case holdsSentinel(err, syscall.EACCES): // fs.ErrPermission
		return syscall.EACCES
	case holdsSentinel(err, syscall.EEXIST): // fs.ErrExist
		return syscall.EEXIST
	case isTimeout(err):
		return syscall.ETIMEDOUT
	}
	return 0
}

// holdsSentinel reports whether err's tree holds the io/fs sentinel that
// e stands for, as errors.Is(err, fs.ErrNotExist) and the others would
// find it: e.Is(x) is true exactly when x is that sentinel. This package
// does not import io/fs, which brings in package time, whose start-up
// costs svok and svstat a tenth of a millisecond. (An error of another
// type whose own Is method claims a sentinel without wrapping it is not
// recognised; none reaches here.)
func holdsSentinel(err error, e syscall.Errno) bool {
	for err != nil {
		if e.Is(err) {
			return true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				if holdsSentinel(x, e) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}

// isTimeout reports a deadline error such as os.ErrDeadlineExceeded. It
// asks the error itself (Timeout() true) rather than comparing with
// os.ErrDeadlineExceeded so that this package does not import os: the
// exec wrappers (setlock, envdir, ...) leave os out, whose start-up opens
// descriptors that would shift the numbers their program gets.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// ErrStr returns daemontools' wording for err: "file does not exist" for
// ENOENT and so on. A nil error reads "no error"; an error with no errno in
// it reads "unknown error".
func ErrStr(err error) string {
	if err == nil {
		return "no error"
	}
	e := Errno(err)
	if e == 0 {
		return "unknown error"
	}
	return ErrnoStr(e)
}

// ErrnoStr is ErrStr for a bare errno value.
func ErrnoStr(e syscall.Errno) string {
	if e == 0 {
		return "no error"
	}
	if uint(e) < uint(len(errText)) && errText[e] != "" {
		return errText[e]
	}
	return "unknown error"
}
