package svwait

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Closing an inotify descriptor that still has watches makes the kernel
// wait for the marks' destruction (an SRCU grace period): 8 ms and more
// on these machines, the better part of svwait's time from a service's
// readiness to its own exit, and the exit closes it all the same. So
// svwait, about to exit, hands its last reference to a child that holds
// it until svwait is gone: the child blocks reading a pipe whose write
// end only svwait has, and exits when that read ends. Whoever waits for
// svwait sees it exit at once; the child pays for the close afterwards,
// reparented to init (or the nearest subreaper), which reaps it. When no
// child can be made, svwait closes the descriptor itself.

//go:linkname beforeFork syscall.runtime_BeforeFork
func beforeFork()

//go:linkname afterFork syscall.runtime_AfterFork
func afterFork()

//go:linkname afterForkInChild syscall.runtime_AfterForkInChild
func afterForkInChild()

// closeInBackground closes fd, leaving the work of its last close to a
// child process that outlives us by the time of that close. For a
// process about to exit only: the child lives until this process does.
func closeInBackground(fd int) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		unix.Close(fd)
		return
	}
	forkLinger(fd, p[0], p[1]) // without a child, the close below does the work
	unix.Close(fd)
	unix.Close(p[0])
	// p[1] stays open until the exit, which the child waits for.
}

// forkLinger makes the child, which keeps fd and the pipe's read end r
// (w is the write end) and closes the rest. It returns fork's error.
//
//go:noinline
//go:norace
//go:nosplit
func forkLinger(fd, r, w int) unix.Errno {
	beforeFork()
	pid, e := rawFork()
	if e != 0 || pid != 0 {
		afterFork()
		return e
	}
	afterForkInChild()
	// Nothing else stays open here: not our standard output, which a
	// reader may be waiting to see closed.
	lo, hi := uintptr(min(fd, r)), uintptr(max(fd, r))
	if lo > 0 {
		unix.RawSyscall(unix.SYS_CLOSE_RANGE, 0, lo-1, 0)
	}
	if lo+1 < hi {
		unix.RawSyscall(unix.SYS_CLOSE_RANGE, lo+1, hi-1, 0)
	}
	unix.RawSyscall(unix.SYS_CLOSE_RANGE, hi+1, uintptr(^uint32(0)), 0)
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(w), 0, 0) // (gone already, unless close_range is missing)
	var b [1]byte
	for {
		_, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(r), uintptr(unsafe.Pointer(&b[0])), 1)
		if e != unix.EINTR {
			break // end of file: we are gone
		}
	}
	for {
		unix.RawSyscall(unix.SYS_EXIT_GROUP, 0, 0, 0)
	}
}
