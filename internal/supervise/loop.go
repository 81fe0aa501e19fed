package supervise

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svconf"
	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/tai64"
)

// Like 0.76, wake up at least once an hour even when nothing happens.
const idleWakeMillis = 3600 * 1000

// Without a pidfd (a kernel older than 5.3) the child's exit is noticed
// by polling this often instead.
const noPidfdWakeMillis = 100

// run is the C doit() loop: wait for the child's exit or a command, reap,
// then handle at most one control byte, so queued commands are taken one
// per iteration. It returns when supervise should exit.
func (s *supervisor) run() {
	s.announce()
	for {
		if s.exiting && s.pid == 0 && s.finishPid == 0 {
			return
		}
		s.wait()
		s.readNotification() // before the reap: a newline then an exit is ready, then down
		s.timers()
		if s.reap() {
			return
		}
		var c [1]byte
		if rawRead(s.control, c[:]) == 1 {
			s.command(c[0])
		}
	}
}

// wait blocks until the control FIFO is readable, the child has exited,
// or the deadline passes. Which one happened does not matter: the loop
// tries everything afterwards, as the C code does. The deadline is an
// hour, as in 0.76, or sooner when one of the timers of the extensions
// (timeout-kill, timeout-finish, restart-backoff) is due.
func (s *supervisor) wait() {
	fds := [3]unix.PollFd{
		{Fd: int32(s.control), Events: unix.POLLIN},
		{Fd: int32(s.pidfd), Events: unix.POLLIN},    // ignored by poll when -1
		{Fd: int32(s.notifyFd), Events: unix.POLLIN}, // likewise
	}
	timeout := idleWakeMillis
	switch {
	case s.forkFailed:
		timeout = 0
	case (s.pid != 0 || s.finishPid != 0) && s.pidfd < 0:
		timeout = noPidfdWakeMillis
	}
	for _, at := range [...]time.Time{s.killAt, s.finishEnd, s.restartAt} {
		if !at.IsZero() {
			timeout = min(timeout, millisUntil(at))
		}
	}
	unix.Poll(fds[:], timeout) // EINTR and timeouts just mean "look around"
}

// millisUntil is the time until at in whole milliseconds, rounded up
// so that a timer is never found not quite due.
func millisUntil(at time.Time) int {
	d := time.Until(at)
	if d <= 0 {
		return 0
	}
	return int(min((d+time.Millisecond-1)/time.Millisecond, idleWakeMillis))
}

// timers acts on the extensions' timers that are due.
func (s *supervisor) timers() {
	now := time.Now()
	due := func(at time.Time) bool { return !at.IsZero() && !now.Before(at) }
	if due(s.killAt) {
		s.killAt = time.Time{}
		s.killGroup(unix.SIGKILL)
	}
	if due(s.finishEnd) {
		s.finishEnd = time.Time{}
		s.warn(s.dir, "/finish still running after ", svconf.TimeoutFinish, ": sending it KILL")
		rawKill(s.finishPid, unix.SIGKILL)
	}
	if due(s.restartAt) {
		s.restartAt = time.Time{}
		if s.want == svstatus.WantUp && s.pid == 0 && s.finishPid == 0 {
			s.start()
		}
	}
}

// reap collects every exited child, as 0.76's wait_nohang loop does (so
// children inherited across exec are not left as zombies either). When
// the service itself exited it records that, runs ./finish if there is
// one, and restarts it if wanted up. It reports whether supervise must
// exit now (x was received).
func (s *supervisor) reap() (exit bool) {
	if s.pid != 0 {
		// Still there, or a zombie not yet reaped: its group is what
		// ./finish is told.
		if g := rawGetpgid(s.pid); g > 0 {
			s.runPgid = g
		}
	}
	for {
		r, ws, ok := s.nextExit()
		if !ok {
			break
		}
		switch r {
		case s.pid:
			s.childGone(ws)
			finishing := s.startFinish(ws)
			s.writeState() // down, or finishing: never the one, then the other
			if finishing {
				return false
			}
			return s.afterDown()
		case s.finishPid:
			s.finishGone(ws)
			return s.afterDown()
		}
	}
	// Debian's patch: after "unable to fork ... sleeping 60 seconds",
	// try again if the service is still wanted up. (Either way the retry
	// is settled: a start for o that failed is not retried, and the loop
	// must not go on waking at once for it.)
	if s.forkFailed {
		s.forkFailed = false
		if s.want == svstatus.WantUp {
			s.start()
		}
	}
	return false
}

// nextExit is the next child that exited: reaped here with wait4(-1)
// (every child, as 0.76's wait_nohang loop), or, for a Machine, handed
// in by svscan, which reaps all of its children.
func (s *supervisor) nextExit() (int, unix.WaitStatus, bool) {
	if s.machine {
		if s.nexits == 0 {
			return 0, 0, false
		}
		e := s.exits[0]
		s.exits[0] = s.exits[1]
		s.nexits--
		return e.pid, e.ws, true
	}
	for {
		var ws unix.WaitStatus
		r, err := rawWait4(&ws)
		if err == unix.EINTR {
			continue
		}
		if err != 0 || r <= 0 {
			return 0, 0, false
		}
		return r, ws, true
	}
}

// afterDown is what follows the end of ./run (and of ./finish, if any):
// exit after x, else a restart if wanted up, at once (0.76) or when
// restart-backoff says.
func (s *supervisor) afterDown() (exit bool) {
	if s.exiting {
		return true
	}
	if s.want == svstatus.WantUp {
		if s.restartAt.IsZero() {
			s.start()
		}
	}
	return false
}

// childGone records that the service is down, in the status. The state
// follows once it is known whether ./finish runs.
func (s *supervisor) childGone(ws unix.WaitStatus) {
	s.closePidfd()
	s.closeNotification()
	s.pid, s.killAt = 0, time.Time{}
	s.pidChanged()
	s.since, s.ready = s.when, tai64.N{}
	s.recordExit(ws, s.when)
	s.writeStatus()
	s.holdRestart()
}

func (s *supervisor) closePidfd() {
	if s.pidfd >= 0 {
		rawClose(s.pidfd)
	}
	s.pidfd = -1
}

// command obeys one control byte; unknown bytes are ignored.
func (s *supervisor) command(c byte) {
	switch c {
	case 'd':
		s.want = svstatus.WantDown
		if s.pid != 0 {
			s.down()
		}
		s.announce()
	case 'u':
		s.want = svstatus.WantUp
		s.announce()
		s.startNow()
	case 'o':
		s.want = svstatus.WantOnce
		s.announce()
		s.startNow()
	case 'a':
		s.kill(unix.SIGALRM)
	case 'h':
		s.kill(unix.SIGHUP)
	case 'k':
		s.kill(unix.SIGKILL)
	case 't':
		s.kill(unix.SIGTERM)
	case 'i':
		s.kill(unix.SIGINT)
	case 'q': // beyond 0.76: the letters of daemontools-encore's svc
		s.kill(unix.SIGQUIT)
	case '1':
		s.kill(unix.SIGUSR1)
	case '2':
		s.kill(unix.SIGUSR2)
	case 'w':
		s.kill(unix.SIGWINCH)
	case 'p':
		s.paused = true
		s.announce()
		s.kill(unix.SIGSTOP)
	case 'c':
		s.paused = false
		s.announce()
		s.kill(unix.SIGCONT)
	case 'x':
		s.exiting = true
		s.announce()
	}
}

// down stops the running service: TERM (or down-signal's signal), then
// CONT so that a paused service can act on it, and KILL later if
// timeout-kill says so. The KILL is timed from the first down command:
// a repeated one (svscan repeats "dx" every second while it shuts down)
// does not put it off.
func (s *supervisor) down() {
	s.killGroup(s.downSignal())
	s.killGroup(unix.SIGCONT)
	s.paused = false
	if s.killAt.IsZero() {
		if d := s.timeoutKill(); d > 0 {
			s.killAt = time.Now().Add(d)
		}
	}
}

// startNow starts the service for u or o if it is down: at once, even
// when restart-backoff holds a restart back, but not while ./finish runs
// (the start follows its end).
func (s *supervisor) startNow() {
	if s.pid == 0 && s.finishPid == 0 {
		s.start()
	}
}

// kill signals the service process itself (not its process group), if
// it is running.
func (s *supervisor) kill(sig unix.Signal) {
	if s.pid != 0 {
		rawKill(s.pid, sig)
	}
}

// killGroup is kill, or, for a service started in a session of its own
// (svconf.NewSession), kill of its whole process group.
func (s *supervisor) killGroup(sig unix.Signal) {
	switch {
	case s.pid == 0:
	case s.launcher.setsid:
		rawKill(-s.pid, sig)
	default:
		rawKill(s.pid, sig)
	}
}
