package supervise

import (
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/rlimit"
)

// Why supervise forks by hand instead of calling syscall.ForkExec:
//
//   - In 0.76 the forked child itself reports a failed exec: it prints
//     "supervise: fatal: unable to start DIR/run: ERR" and exits 111, so
//     the status shows that child's pid until supervise reaps it after
//     the pause, and svstat says "up (pid N)" meanwhile. ForkExec reports
//     the failure to the parent without a child.
//   - ForkExec copies argv and the environment on every call. A service
//     that crash-loops would leave that garbage behind at every restart;
//     supervise prepares everything once and starts ./run without
//     allocating, so its heap never grows and the garbage collector never
//     has to run.
//
// The child runs between fork and exec with the same rules as package
// syscall's child code: no allocation, no stack growth, no locks, only
// the raw system calls below. The runtime's own fork hooks (the ones
// ForkExec uses, exported to package syscall by linkname) block signals
// around the fork, and in the child put back default signal handling and
// the signal mask supervise inherited.

//go:linkname beforeFork syscall.runtime_BeforeFork
func beforeFork()

//go:linkname afterFork syscall.runtime_AfterFork
func afterFork()

//go:linkname afterForkInChild syscall.runtime_AfterForkInChild
func afterForkInChild()

// launcher holds what the child needs, prepared once. There are two:
// one for ./run and one for ./finish.
type launcher struct {
	path   *byte   // "./run" or "./finish"
	argv   []*byte // {"./run", nil}: 0.76 passes no arguments; see finishArgs
	envv   []*byte // supervise's environment, nil-terminated
	msg    []byte  // "supervise: fatal: unable to start DIR/run: ", then room for the error
	prefix int     // length of the fixed start of msg
	errs   []string
	setsid bool        // the child starts a session of its own (svconf.NewSession)
	nums   [3][24]byte // the numeric arguments of ./finish, NUL-terminated
	// notifyTo is notification-fd's descriptor, -1 for none; the child
	// moves notifyW, the write end of the notification pipe, there.
	notifyTo, notifyW int
	// For a Machine (svscan's process is not the service's): the
	// directory the child enters, the descriptors it makes its 0, 1 and
	// 2, and the soft limit on open files it puts back (svscan's own is
	// raised by the Go runtime). -1 and nil for the supervise program.
	dirfd  int
	stdio  [3]int
	nofile *unix.Rlimit
}

// highestErrno bounds the table of error texts given to the child.
const highestErrno = 133

func newLauncher(dir string, env []string) (*launcher, error) {
	path, err := unix.BytePtrFromString(runPath)
	if err != nil {
		return nil, err
	}
	argv, err := syscall.SlicePtrFromStrings(runArgv)
	if err != nil {
		return nil, err
	}
	envv, err := cStrings(env)
	if err != nil {
		return nil, err
	}
	l := &launcher{path: path, argv: argv, envv: envv, errs: make([]string, highestErrno+1), notifyTo: -1, dirfd: -1, stdio: [3]int{-1, -1, -1}}
	for e := range l.errs {
		l.errs[e] = djb.ErrnoStr(syscall.Errno(e))
	}
	l.setMessage(dir, "run")
	return l, nil
}

// setMessage prepares "supervise: fatal: unable to start DIR/NAME: "
// with room for the longest error text.
func (l *launcher) setMessage(dir, name string) {
	longest := 0
	for _, e := range l.errs {
		longest = max(longest, len(e))
	}
	prefix := prog + ": fatal: unable to start " + dir + "/" + name + ": "
	l.msg = make([]byte, len(prefix)+longest+1)
	l.prefix = copy(l.msg, prefix)
}

// finishLauncher prepares the start of ./finish, with s6's arguments:
// ./run's exit code (256 when a signal killed it), the signal's number
// (0 when none), the service directory as supervise was given it, and
// the process group ./run was in (finishArgs fills in the numbers).
func (l *launcher) finishLauncher(dir string) (*launcher, error) {
	path, err := unix.BytePtrFromString(finishProgram)
	if err != nil {
		return nil, err
	}
	name, err := unix.BytePtrFromString(dir)
	if err != nil {
		return nil, err
	}
	f := &launcher{path: path, envv: l.envv, errs: l.errs, notifyTo: -1, dirfd: l.dirfd, stdio: l.stdio, nofile: l.nofile}
	f.argv = []*byte{path, &f.nums[0][0], &f.nums[1][0], name, &f.nums[2][0], nil}
	f.setMessage(dir, "finish")
	return f, nil
}

// finishArgs writes the numeric arguments of ./finish in place, without
// allocating.
func (l *launcher) finishArgs(code, sig, pgid int) {
	for i, n := range [3]int{code, sig, pgid} {
		b := strconv.AppendInt(l.nums[i][:0], int64(n), 10)
		l.nums[i][len(b)] = 0
	}
}

// cStrings is syscall.SlicePtrFromStrings with all the strings in one
// buffer: two allocations however long the environment, where one per
// string would touch a fresh page of the heap for every size class the
// lengths happen to fall in (an idle supervise's memory grew by some
// 40 kB with a 35-variable environment).
func cStrings(ss []string) ([]*byte, error) {
	n := 0
	for _, s := range ss {
		if strings.IndexByte(s, 0) >= 0 {
			return nil, syscall.EINVAL
		}
		n += len(s) + 1
	}
	buf := make([]byte, n)
	ptrs := make([]*byte, len(ss)+1)
	at := 0
	for i, s := range ss {
		ptrs[i] = &buf[at]
		at += copy(buf[at:], s) + 1
	}
	return ptrs, nil
}

// fork starts ./run and returns its pid, or fork's error. The child
// never returns from here. It is a vfork, as in package syscall: the child
// borrows our memory until it execs, which spares copying the page tables
// of a Go process (several times those of the C supervise) and the
// copy-on-write faults after it, and we go on once the child has exec'd.
//
//go:noinline
//go:norace
//go:nosplit
func (l *launcher) fork() (pid int, err syscall.Errno) {
	beforeFork()
	r, e := rawVfork(cloneFlags)
	if e != 0 || r != 0 {
		// The parent: return at once, out of the stack frames the
		// child used.
		afterFork()
		return int(r), syscall.Errno(e)
	}
	l.child()
	return 0, 0
}

// child is the forked process: exec ./run, or say why not and exit 111.
// A notification descriptor that cannot be put in place (a number above
// the limit on open files) fails the start the same way.
//
//go:noinline
//go:norace
//go:nosplit
func (l *launcher) child() {
	afterForkInChild()
	rlimit.RawRestore() // the memory limits supervise started with
	if l.setsid {
		unix.RawSyscall(unix.SYS_SETSID, 0, 0, 0)
	}
	e := l.enter()
	if e == 0 {
		e = l.placeNotification()
	}
	if e == 0 {
		_, _, e = unix.RawSyscall(unix.SYS_EXECVE,
			uintptr(unsafe.Pointer(l.path)),
			uintptr(unsafe.Pointer(&l.argv[0])),
			uintptr(unsafe.Pointer(&l.envv[0])))
	}
	text := "unknown error"
	if uint(e) < uint(len(l.errs)) {
		text = l.errs[e]
	}
	n := l.prefix + copy(l.msg[l.prefix:], text)
	n += copy(l.msg[n:], "\n")
	unix.RawSyscall(unix.SYS_WRITE, 2, uintptr(unsafe.Pointer(&l.msg[0])), uintptr(n))
	for {
		unix.RawSyscall(unix.SYS_EXIT_GROUP, djb.ExitTemp, 0, 0)
	}
}

// enter does, for a Machine's child, what the supervise program has done
// before it forks: enter the service directory, take its 0, 1 and 2,
// and lower the soft limit on open files. (Each of stdio is a descriptor
// of svscan above 2, or the same number, which is svscan's own and
// inherited as it is.)
//
//go:nosplit
func (l *launcher) enter() syscall.Errno {
	if l.nofile != nil {
		unix.RawSyscall6(unix.SYS_PRLIMIT64, 0, unix.RLIMIT_NOFILE, uintptr(unsafe.Pointer(l.nofile)), 0, 0, 0)
	}
	if l.dirfd >= 0 {
		if _, _, e := unix.RawSyscall(unix.SYS_FCHDIR, uintptr(l.dirfd), 0, 0); e != 0 {
			return e
		}
	}
	for i := range l.stdio {
		if fd := l.stdio[i]; fd >= 0 && fd != i {
			if _, _, e := unix.RawSyscall(unix.SYS_DUP3, uintptr(fd), uintptr(i), 0); e != 0 {
				return e
			}
		}
	}
	return 0
}

// placeNotification gives the child the notification pipe's write end
// as notifyTo, without close-on-exec. (dup3 refuses to copy a descriptor
// onto itself: when the pipe is already there, only the flag changes.)
//
//go:nosplit
func (l *launcher) placeNotification() syscall.Errno {
	if l.notifyTo < 0 {
		return 0
	}
	var e syscall.Errno
	if l.notifyW == l.notifyTo {
		_, _, e = unix.RawSyscall(unix.SYS_FCNTL, uintptr(l.notifyW), unix.F_SETFD, 0)
	} else {
		_, _, e = unix.RawSyscall(unix.SYS_DUP3, uintptr(l.notifyW), uintptr(l.notifyTo), 0)
	}
	return e
}
