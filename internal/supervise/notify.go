package supervise

import (
	"bytes"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svconf"
	"github.com/daemontools-go/daemontools/internal/svstate"
	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/tai64"
)

// Readiness (s6's notification-fd) and supervise/state (package
// svstate's record, beside 0.76's status).
//
// notification-fd is read at every start of ./run. With a number N in
// it, ./run gets the write end of a pipe as its descriptor N; supervise
// keeps the read end in its poll, and the first newline read from it
// makes the service ready: supervise notes when, and closes its end, as
// s6-supervise does. ./run closing N without a newline leaves it not
// ready until its next start. Without the file the service is ready
// as soon as it is up; with a file that holds no valid number (a
// warning, as s6 gives) ./run gets no descriptor and is never ready, as
// under s6. Each start begins not ready.

var notificationFDPath = svstatus.NewSysPath(svconf.NotificationFD)

// notificationFD reads notification-fd: the descriptor to give ./run
// (-1: none), and whether the file is there at all.
func (s *supervisor) notificationFD() (fd int, present bool) {
	var buf [svconf.MaxFileSize]byte
	n, ok := readOption(s.dirfd, notificationFDPath, buf[:])
	if !ok {
		return -1, false
	}
	fd, ok = svconf.ParseFD(buf[:n])
	if !ok {
		s.warn("invalid ", s.dir, "/", svconf.NotificationFD, ": ./run is given no descriptor and never becomes ready")
		return -1, true
	}
	return fd, true
}

// openNotification makes the notification pipe: the read end, kept by
// supervise, non-blocking; both ends close-on-exec (the child clears the
// flag on the copy it gives ./run).
func (s *supervisor) openNotification() unix.Errno {
	var p [2]int32
	if e := rawPipe2(&p, unix.O_CLOEXEC); e != 0 {
		return e
	}
	rawSetNonblock(int(p[0]))
	s.notifyFd, s.launcher.notifyW = int(p[0]), int(p[1])
	return 0
}

// closeNotification closes supervise's end of the pipe, if open.
func (s *supervisor) closeNotification() {
	if s.notifyFd >= 0 {
		rawClose(s.notifyFd)
	}
	s.notifyFd = -1
}

// readNotification reads what ./run wrote on its notification
// descriptor. A newline makes the service ready; end of file (./run
// closed it without one) ends the watch.
func (s *supervisor) readNotification() {
	var buf [256]byte
	for s.notifyFd >= 0 {
		n := rawRead(s.notifyFd, buf[:])
		switch {
		case n < 0: // nothing more for now
			return
		case n == 0:
			s.closeNotification()
		case bytes.IndexByte(buf[:n], '\n') >= 0:
			s.closeNotification()
			s.ready = tai64.Now()
			s.writeState()
		}
	}
}

// stateName is the state key: finishing while ./finish runs, when the
// status says down.
func (s *supervisor) stateName() string {
	switch {
	case s.pid != 0:
		return svstate.Up
	case s.finishPid != 0:
		return svstate.Finishing
	}
	return svstate.Down
}

func wantName(w byte) string {
	switch w {
	case svstatus.WantUp:
		return svstate.WantUp
	case svstatus.WantDown:
		return svstate.WantDown
	}
	return svstate.WantOnce
}

// writeState writes supervise/state. It follows every write of the
// status (see announce) and readiness. Failures are warnings, in the
// words of the status's.
func (s *supervisor) writeState() {
	st := svstate.State{
		Supervisor: s.self, State: s.stateName(), Want: wantName(s.want),
		Paused: s.pid != 0 && s.paused, Since: s.since, NotificationFD: s.notifyTo,
		Starts: s.starts, ExitCode: s.exitCode, Signal: s.exitSignal, Exited: s.exited,
		FinishPID: s.finishPid,
	}
	if s.pid != 0 {
		st.PID, st.PGID, st.Ready = s.pid, s.runPgid, s.ready
	}
	s.stateBuf = st.AppendEncode(s.stateBuf[:0])
	err := svstate.WriteAt(s.dirfd, s.stateBuf)
	if err == nil {
		return
	}
	we := err.(*svstate.WriteError)
	switch {
	case we.Op == "rename":
		s.warn("unable to rename ", s.dir, "/", svstate.FileNew, " to state: ", errText(we.Err))
	case we.Err == svstatus.ErrPartialWrite:
		s.warn("unable to write ", s.dir, "/", svstate.FileNew, ": partial write")
	default:
		s.warn("unable to ", we.Op, " ", s.dir, "/", svstate.FileNew, ": ", errText(we.Err))
	}
}

// recordExit notes how ./run ended, for the state's exitcode, signal
// and exited.
func (s *supervisor) recordExit(ws unix.WaitStatus, at tai64.N) {
	s.exited = at
	if ws == unknownExit {
		s.exitCode, s.exitSignal = -1, 0
		return
	}
	if ws.Signaled() {
		s.exitCode, s.exitSignal = -1, int(ws.Signal())
		return
	}
	s.exitCode, s.exitSignal = ws.ExitStatus(), 0
}
