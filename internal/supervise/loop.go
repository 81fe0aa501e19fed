package supervise

import (
	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svstatus"
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
		if s.exiting && s.pid == 0 {
			return
		}
		s.wait()
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
// tries everything afterwards, as the C code does.
func (s *supervisor) wait() {
	fds := [2]unix.PollFd{
		{Fd: int32(s.control), Events: unix.POLLIN},
		{Fd: int32(s.pidfd), Events: unix.POLLIN}, // ignored by poll when -1
	}
	timeout := idleWakeMillis
	switch {
	case s.forkFailed:
		timeout = 0
	case s.pid != 0 && s.pidfd < 0:
		timeout = noPidfdWakeMillis
	}
	unix.Poll(fds[:], timeout) // EINTR and timeouts just mean "look around"
}

// reap collects every exited child, as 0.76's wait_nohang loop does (so
// children inherited across exec are not left as zombies either). When
// the service itself exited it records that and restarts it if wanted
// up. It reports whether supervise must exit now (x was received).
func (s *supervisor) reap() (exit bool) {
	for {
		var ws unix.WaitStatus
		r, err := rawWait4(&ws)
		if err == unix.EINTR {
			continue
		}
		if err != 0 || r <= 0 {
			break
		}
		if r == s.pid {
			s.childGone()
			if s.exiting {
				return true
			}
			if s.want == svstatus.WantUp {
				s.start()
			}
			return false
		}
	}
	// Debian's patch: after "unable to fork ... sleeping 60 seconds",
	// try again if the service is still wanted up.
	if s.forkFailed && s.want == svstatus.WantUp {
		s.forkFailed = false
		s.start()
	}
	return false
}

// childGone records that the service is down.
func (s *supervisor) childGone() {
	if s.pidfd >= 0 {
		rawClose(s.pidfd)
	}
	s.pid, s.pidfd = 0, -1
	s.pidChanged()
	s.announce()
}

// command obeys one control byte; unknown bytes are ignored.
func (s *supervisor) command(c byte) {
	switch c {
	case 'd':
		s.want = svstatus.WantDown
		if s.pid != 0 {
			// CONT so that a paused service can act on the TERM.
			s.kill(unix.SIGTERM)
			s.kill(unix.SIGCONT)
			s.paused = false
		}
		s.announce()
	case 'u':
		s.want = svstatus.WantUp
		s.announce()
		if s.pid == 0 {
			s.start()
		}
	case 'o':
		s.want = svstatus.WantOnce
		s.announce()
		if s.pid == 0 {
			s.start()
		}
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

// kill signals the service process itself (not its process group), if
// it is running.
func (s *supervisor) kill(sig unix.Signal) {
	if s.pid != 0 {
		rawKill(s.pid, sig)
	}
}
