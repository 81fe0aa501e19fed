package supervise

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/svconf"
	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/tai64"
)

// ./finish (runit, s6): run after each exit of ./run, if the file is
// there, before ./run is started again. supervise/status says the
// service is down while it runs (pid 0: the 18-byte record has no room
// for more, and C svstat reads it). u and o wait for its end; x makes
// supervise exit after it; d while it runs is remembered for its end.

// startFinish starts ./finish after ./run ended with ws, and reports
// whether it runs. Without the file, or when the fork fails (a warning),
// the service goes on as in 0.76.
func (s *supervisor) startFinish(ws unix.WaitStatus) bool {
	if !exists(s.dirfd, finishPath) {
		return false
	}
	code, sig := ws.ExitStatus(), 0
	switch {
	case ws == unknownExit: // a ./run taken over (machine.go)
		code = -1
	case ws.Signaled():
		code, sig = 256, int(ws.Signal())
	}
	s.finisher.finishArgs(code, sig, s.runPgid)
	s.finisher.setsid = s.launcher.setsid
	syscall.ForkLock.Lock()
	pid, err := s.finisher.fork()
	syscall.ForkLock.Unlock()
	if err != 0 {
		s.warn("unable to fork for ", s.dir, "/finish: ", djb.ErrnoStr(err))
		return false
	}
	s.finishPid = pid
	s.pidfd = s.pidfdOf(pid)
	if d := s.timeoutFinish(); d > 0 {
		s.finishEnd = time.Now().Add(d)
	}
	return true
}

// finishGone records the end of ./finish. An exit code of 125 keeps the
// service down, as under s6-supervise.
func (s *supervisor) finishGone(ws unix.WaitStatus) {
	s.closePidfd()
	s.finishPid, s.finishEnd = 0, time.Time{}
	s.since = tai64.Now()
	if ws.Exited() && ws.ExitStatus() == svconf.FinishKeepsDown {
		s.want = svstatus.WantDown
		s.announce()
		return
	}
	s.writeState() // finishing is over
}
