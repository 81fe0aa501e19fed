package supervise

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/svconf"
	"github.com/daemontools-go/daemontools/internal/tai64"
)

// RestartDelayFile holds the pause after each start in milliseconds
// (0.76: always one second). It is read at every start.
const RestartDelayFile = svconf.RestartDelay

const (
	defaultDelay = time.Second      // 0.76's pause after every start
	forkRetry    = 60 * time.Second // 0.76's pause after a failed fork
)

// The service gets argv {"./run"}, supervise's environment, and
// descriptors 0, 1 and 2: every other descriptor of ours is close-on-exec.
// ./finish gets the four arguments of launcher.finishLauncher.
var (
	runPath       = "./run"
	runArgv       = []string{runPath}
	finishProgram = "./finish"
)

// start is 0.76's trystart: fork and exec ./run, record and announce the
// new pid, then pause (one second by default) without reading commands,
// so that a service which exits at once is not restarted in a tight loop.
// With notification-fd, ./run gets its notification pipe (notify.go),
// which supervise goes on reading during the pause.
func (s *supervisor) start() {
	// The start is stamped at the fork, as 0.76 stamps it: our fork is a
	// vfork, which returns only once the child has exec'd ./run, so the
	// moment is taken just before it.
	forked := tai64.Now()
	s.launcher.setsid = s.newSession()
	s.restartAt, s.backoff.started = time.Time{}, time.Now()
	notifyTo, notifyFile := s.notificationFD()
	if notifyTo >= 0 {
		if e := s.openNotification(); e != 0 {
			s.warn("unable to create pipe for ", s.dir, "/", svconf.NotificationFD, ", sleeping 60 seconds: ", djb.ErrnoStr(e))
			s.sleep(forkRetry)
			s.forkFailed = true
			return
		}
	}
	s.launcher.notifyTo = notifyTo
	syscall.ForkLock.Lock()
	pid, err := s.launcher.fork()
	syscall.ForkLock.Unlock()
	if notifyTo >= 0 {
		rawClose(s.launcher.notifyW)
	}
	if err != 0 {
		s.closeNotification()
		s.warn("unable to fork for ", s.dir, ", sleeping 60 seconds: ", djb.ErrnoStr(err))
		s.sleep(forkRetry)
		s.forkFailed = true
		return
	}
	s.pid, s.paused, s.when, s.since = pid, false, forked, forked
	s.pidfd = s.pidfdOf(pid)
	// The child's process group, known without asking: where the fork is
	// not a vfork (every architecture but amd64) the child may not have
	// called setsid yet, and getpgid would give ours.
	if s.launcher.setsid {
		s.runPgid = pid
	} else {
		s.runPgid = rawGetpgid(0)
	}
	s.starts++
	s.notifyTo, s.ready = notifyTo, tai64.N{}
	if !notifyFile {
		s.ready = forked // without notification-fd, ready when up
	}
	s.announce()
	if s.machine {
		s.deafUntil = time.Now().Add(s.restartDelay())
		return
	}
	s.pause(s.restartDelay())
}

// sleep is deepSleep, or for a Machine a time deaf.
func (s *supervisor) sleep(d time.Duration) {
	if s.machine {
		s.deafUntil = time.Now().Add(d)
		return
	}
	deepSleep(d)
}

// pause is the pause after a start: deepSleep, except that ./run's
// readiness is still noted as it comes.
func (s *supervisor) pause(d time.Duration) {
	end := time.Now().Add(d)
	for s.notifyFd >= 0 {
		ms := millisUntil(end)
		if ms == 0 {
			return
		}
		fds := [1]unix.PollFd{{Fd: int32(s.notifyFd), Events: unix.POLLIN}}
		unix.Poll(fds[:], ms)
		s.readNotification()
	}
	if left := time.Until(end); left > 0 {
		deepSleep(left)
	}
}

// pidfdOf returns a descriptor that polls readable when pid exits, or -1
// on kernels before 5.3 (supervise then polls for the exit instead). No
// one else can reap our child, so the pid cannot be reused meanwhile.
// A Machine needs none: svscan hears of its exits by SIGCHLD.
func (s *supervisor) pidfdOf(pid int) int {
	if s.machine {
		return -1
	}
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
