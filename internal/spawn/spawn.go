// Package spawn starts a program in a child process the way package
// syscall's ForkExec does, except that the child also puts back the
// memory limits the parent was started with (see internal/rlimit) before
// its exec. ForkExec cannot run anything of ours in the child, and the
// parent cannot lower its own limits around the fork either: under a soft
// limit below what the Go runtime has mapped, the kernel refuses the
// runtime every further mapping, and the parent would die of the first.
//
// It is used only where the entry step saved and raised limits (Needed);
// elsewhere ForkExec does the same job.
package spawn

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/rlimit"
)

// Needed reports whether a child must be started here rather than with
// syscall.ForkExec: the entry step raised a limit that the child must get
// back.
func Needed() bool { return rlimit.NeedsRestore() }

//go:linkname beforeFork syscall.runtime_BeforeFork
func beforeFork()

//go:linkname afterFork syscall.runtime_AfterFork
func afterFork()

//go:linkname afterForkInChild syscall.runtime_AfterForkInChild
func afterForkInChild()

// child is what the child needs, made ready before the fork.
type child struct {
	path       *byte
	argv, envv []*byte
	dir        *byte      // nil: stay
	files      []int      // the child's descriptor i is files[i]; -1: closed
	high       []int      // scratch: files moved out of the way
	failed     unix.Errno // why the child gave up, set by the child
}

// Start runs path with argv and env in a new process, with descriptor i
// set to files[i] (-1: closed; every other descriptor of ours is
// close-on-exec) and, when dir is not empty, in dir. forkFailed is true
// when no process could be made; otherwise err is the child's failure to
// enter dir or to exec, after which the child has been reaped.
func Start(path string, argv, env []string, dir string, files []int) (pid int, forkFailed bool, err error) {
	c := &child{files: files, high: make([]int, len(files))}
	if c.path, err = syscall.BytePtrFromString(path); err != nil {
		return 0, false, err
	}
	if c.argv, err = syscall.SlicePtrFromStrings(argv); err != nil {
		return 0, false, err
	}
	if c.envv, err = syscall.SlicePtrFromStrings(env); err != nil {
		return 0, false, err
	}
	if dir != "" {
		if c.dir, err = syscall.BytePtrFromString(dir); err != nil {
			return 0, false, err
		}
	}
	syscall.ForkLock.Lock()
	p, e := c.fork()
	syscall.ForkLock.Unlock()
	if e != 0 {
		return 0, true, e
	}
	if c.failed != 0 {
		// The child exited at once: reap it here.
		var ws unix.WaitStatus
		for {
			if _, err := unix.Wait4(p, &ws, 0, nil); err != unix.EINTR {
				break
			}
		}
		return 0, false, c.failed
	}
	return p, false, nil
}

// fork is a vfork: the child borrows our memory (so that what it writes
// in c reaches us) until it execs or exits, and we go on only then.
//
//go:noinline
//go:norace
//go:nosplit
func (c *child) fork() (int, unix.Errno) {
	beforeFork()
	r, e := rawVfork(unix.CLONE_VM | unix.CLONE_VFORK | uintptr(unix.SIGCHLD))
	if e != 0 || r != 0 {
		afterFork()
		return int(r), e
	}
	c.run()
	return 0, 0
}

// run is the child: descriptors, directory, limits, exec. It makes raw
// system calls only, allocates nothing and does not grow its stack.
//
//go:noinline
//go:norace
//go:nosplit
func (c *child) run() {
	afterForkInChild()
	n := len(c.files)
	// Move the descriptors that are in the way (below n and not in their
	// place) above n, close-on-exec, as ForkExec does.
	for i := 0; i < n; i++ {
		f := c.files[i]
		c.high[i] = f
		if f >= 0 && f < n && f != i {
			r, _, e := unix.RawSyscall(unix.SYS_FCNTL, uintptr(f), unix.F_DUPFD_CLOEXEC, uintptr(n))
			if e != 0 {
				c.fail(e)
			}
			c.high[i] = int(r)
		}
	}
	for i := 0; i < n; i++ {
		f := c.high[i]
		var e unix.Errno
		switch {
		case f < 0:
			unix.RawSyscall(unix.SYS_CLOSE, uintptr(i), 0, 0)
		case f == i:
			_, _, e = unix.RawSyscall(unix.SYS_FCNTL, uintptr(i), unix.F_SETFD, 0)
		default:
			_, _, e = unix.RawSyscall(unix.SYS_DUP3, uintptr(f), uintptr(i), 0)
		}
		if e != 0 {
			c.fail(e)
		}
	}
	if c.dir != nil {
		if _, _, e := unix.RawSyscall(unix.SYS_CHDIR, uintptr(unsafe.Pointer(c.dir)), 0, 0); e != 0 {
			c.fail(e)
		}
	}
	rlimit.RawRestore()
	_, _, e := unix.RawSyscall(unix.SYS_EXECVE,
		uintptr(unsafe.Pointer(c.path)),
		uintptr(unsafe.Pointer(&c.argv[0])),
		uintptr(unsafe.Pointer(&c.envv[0])))
	c.fail(e)
}

// fail records why the child gives up, for the parent, and exits.
//
//go:nosplit
//go:norace
func (c *child) fail(e unix.Errno) {
	c.failed = e
	for {
		unix.RawSyscall(unix.SYS_EXIT_GROUP, 127, 0, 0)
	}
}
