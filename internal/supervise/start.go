package supervise

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/tai64"
)

// RestartDelayFile is our one extension: an optional file in the service
// directory holding the pause after each start in milliseconds (0.76:
// always one second). It is read at every start.
const RestartDelayFile = "restart-delay"

const (
	defaultDelay = time.Second      // 0.76's pause after every start
	forkRetry    = 60 * time.Second // 0.76's pause after a failed fork
)

// The service gets argv {"./run"}, supervise's environment, and
// descriptors 0, 1 and 2: every other descriptor of ours is close-on-exec.
var (
	runPath = "./run"
	runArgv = []string{runPath}
)

// restartDelayPath is RestartDelayFile made into a C string once, so
// that reading it at every start allocates nothing.
var restartDelayPath = svstatus.NewSysPath(RestartDelayFile)

// start is 0.76's trystart: fork and exec ./run, record and announce the
// new pid, then pause (one second by default) without reading commands,
// so that a service which exits at once is not restarted in a tight loop.
func (s *supervisor) start() {
	// The start is stamped at the fork, as 0.76 stamps it: our fork is a
	// vfork, which returns only once the child has exec'd ./run, so the
	// moment is taken just before it.
	forked := tai64.Now()
	syscall.ForkLock.Lock()
	pid, err := s.launcher.fork()
	syscall.ForkLock.Unlock()
	if err != 0 {
		s.warn("unable to fork for ", s.dir, ", sleeping 60 seconds: ", djb.ErrnoStr(err))
		deepSleep(forkRetry)
		s.forkFailed = true
		return
	}
	s.pid, s.paused, s.when = pid, false, forked
	s.pidfd = pidfdOf(pid)
	s.announce()
	deepSleep(restartDelay())
}

// restartDelay reads RestartDelayFile: a decimal number of milliseconds,
// optionally followed by white space. Absent, unreadable or malformed
// means 0.76's one second. The open is non-blocking so a FIFO there
// cannot hang supervise.
func restartDelay() time.Duration {
	fd, err := restartDelayPath.Open(unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return defaultDelay
	}
	var buf [16]byte
	n := rawRead(fd, buf[:])
	rawClose(fd)
	if ms, ok := parseMillis(buf[:max(n, 0)]); ok {
		return time.Duration(ms) * time.Millisecond
	}
	return defaultDelay
}

// parseMillis accepts 1 to 9 decimal digits followed only by white space.
func parseMillis(b []byte) (int, bool) {
	ms, digits := 0, 0
	for digits < len(b) && '0' <= b[digits] && b[digits] <= '9' {
		ms = ms*10 + int(b[digits]-'0')
		digits++
	}
	if digits == 0 || digits > 9 {
		return 0, false
	}
	for _, c := range b[digits:] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return 0, false
		}
	}
	return ms, true
}

// pidfdOf returns a descriptor that polls readable when pid exits, or -1
// on kernels before 5.3 (supervise then polls for the exit instead). No
// one else can reap our child, so the pid cannot be reused meanwhile.
func pidfdOf(pid int) int {
	fd, err := rawPidfdOpen(pid)
	if err != 0 {
		return -1
	}
	return fd
}

// deepSleep is 0.76's deepsleep: sleep the whole duration, deaf to
// signals and commands (commands queue up in the FIFO meanwhile).
func deepSleep(d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	for unix.Nanosleep(&ts, &ts) == unix.EINTR {
	}
}
