package supervise

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svconf"
	"github.com/daemontools-go/daemontools/internal/svstatus"
)

// The optional files of package svconf, read when they matter (a file
// added or changed takes effect at the next start or stop, as in s6),
// through paths converted once and raw reads into a buffer on the stack,
// so that reading them allocates nothing.
var (
	restartDelayPath   = svstatus.NewSysPath(svconf.RestartDelay)
	downSignalPath     = svstatus.NewSysPath(svconf.DownSignal)
	timeoutKillPath    = svstatus.NewSysPath(svconf.TimeoutKill)
	finishPath         = svstatus.NewSysPath(svconf.Finish)
	timeoutFinishPath  = svstatus.NewSysPath(svconf.TimeoutFinish)
	restartBackoffPath = svstatus.NewSysPath(svconf.RestartBackoff)
	newSessionPath     = svstatus.NewSysPath(svconf.NewSession)
)

// readOption reads the start of an optional file into buf; ok is false
// when it cannot be opened (absent, most often). The open is
// non-blocking so that a FIFO there cannot hang supervise.
func readOption(dirfd int, p svstatus.SysPath, buf []byte) (n int, ok bool) {
	fd, err := p.OpenAt(dirfd, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, false
	}
	n = rawRead(fd, buf)
	rawClose(fd)
	return max(n, 0), true
}

// exists reports whether the file is there (anything but ENOENT counts:
// a ./finish that cannot be run says so when it is tried).
func exists(dirfd int, p svstatus.SysPath) bool {
	fd, err := p.OpenAt(dirfd, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return err != unix.ENOENT
	}
	rawClose(fd)
	return true
}

// millisOption reads a file of milliseconds; absent, unreadable or
// malformed gives def.
func millisOption(dirfd int, p svstatus.SysPath, def time.Duration) time.Duration {
	var buf [svconf.MaxFileSize]byte
	n, ok := readOption(dirfd, p, buf[:])
	if !ok {
		return def
	}
	if ms, ok := svconf.ParseMillis(buf[:n]); ok {
		return time.Duration(ms) * time.Millisecond
	}
	return def
}

// restartDelay is the pause after each start: restart-delay, or 0.76's
// one second.
func (s *supervisor) restartDelay() time.Duration {
	return millisOption(s.dirfd, restartDelayPath, defaultDelay)
}

// timeoutKill is how long after a down command the service gets KILL; 0
// means never (0.76).
func (s *supervisor) timeoutKill() time.Duration { return millisOption(s.dirfd, timeoutKillPath, 0) }

// timeoutFinish bounds ./finish; 0 means no bound.
func (s *supervisor) timeoutFinish() time.Duration {
	return millisOption(s.dirfd, timeoutFinishPath, svconf.DefaultTimeoutFinish*time.Millisecond)
}

// downSignal is the signal of a down command: down-signal's, or TERM as
// in 0.76. A file that names no signal is warned about.
func (s *supervisor) downSignal() unix.Signal {
	var buf [svconf.MaxFileSize]byte
	n, ok := readOption(s.dirfd, downSignalPath, buf[:])
	if !ok {
		return unix.SIGTERM
	}
	sig, ok := svconf.ParseSignal(buf[:n])
	if !ok {
		s.warn("invalid ", s.dir, "/", svconf.DownSignal, ": sending TERM")
		return unix.SIGTERM
	}
	return sig
}

// newSession reports whether ./run and ./finish are to be started in a
// session of their own.
func (s *supervisor) newSession() bool { return exists(s.dirfd, newSessionPath) }
