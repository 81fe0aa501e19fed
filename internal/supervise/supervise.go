// Package supervise is daemontools 0.76's supervise: it runs ./run in a
// service directory, restarts it when it exits, obeys the one-byte
// commands written to supervise/control, and keeps supervise/status (the
// 18-byte record owned by package svstatus) up to date, so that the C
// svc, svok and svstat work on it and our tools work on the C supervise.
//
// The program is one loop in one goroutine, like the C original. Instead
// of a SIGCHLD handler and a self-pipe it waits in poll(2) on the control
// FIFO and on a pidfd of the running child: supervise catches no signal at
// all, and TERM, HUP, INT etc. keep their default action (see signals.go).
// Nothing in the loop allocates (see fork.go), so the heap stays as it
// was after start-up however often the service restarts.
//
// Beyond 0.76, optional files in the service directory (package svconf)
// change what supervise does; options.go reads them. Without them it is
// 0.76's supervise. finish.go runs ./finish between an exit and the
// restart, backoff.go holds restarts back for a service that keeps
// dying; the timers they and timeout-kill need are the deadline of the
// loop's poll (loop.go).
package supervise

import (
	"io"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/svstate"
	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/tai64"
)

const prog = "supervise"

// supervisor is the state of the C program's globals.
type supervisor struct {
	dir      string // the argument exactly as given; used in messages
	stderr   io.Writer
	warnBuf  []byte    // room for a warning, see warn.go
	launcher *launcher // starts ./run
	finisher *launcher // starts ./finish

	// The service directory: AT_FDCWD for the supervise program, which
	// runs in it as 0.76's does; its own descriptor for a Machine.
	dirfd int

	control  int // read end of supervise/control
	controlW int // its write end, held so that reads never see end of file
	lock     int // supervise/lock, flock'ed
	ok       int // read end of supervise/ok, held for svok

	// In svscan's in-process supervision (machine.go) the two sleeps of
	// 0.76 (the pause after a start, the minute after a failed fork) are
	// a time until which the machine is deaf, and svscan, which reaps
	// every child, hands it the exits of its own.
	machine   bool
	deafUntil time.Time
	exits     [2]childExit
	nexits    int

	pid        int     // the running ./run, 0 when down
	pidfd      int     // pidfd of pid, -1 when there is none
	when       tai64.N // the last time pid changed
	paused     bool    // p received since the last start or c/d
	want       byte    // svstatus.WantUp, WantDown or WantOnce
	exiting    bool    // x received: exit once the service is down
	forkFailed bool    // Debian: retry the start after a fork failure

	// Beyond 0.76 (package svconf's files):
	runPgid   int       // the process group ./run was in, for ./finish
	killAt    time.Time // when ./run gets KILL after a down command (timeout-kill); zero: never
	finishPid int       // the running ./finish, 0 when none; the status shows the service down meanwhile
	finishEnd time.Time // when ./finish gets KILL (timeout-finish); zero: never
	backoff   backoff   // restart-backoff's record of deaths
	restartAt time.Time // when a restart held back by restart-backoff is due; zero: none

	// Readiness and supervise/state (notify.go):
	self       int     // our pid
	stateBuf   []byte  // svstate.MaxSize bytes, the record being written
	notifyFd   int     // read end of the notification pipe, -1 when none
	notifyTo   int     // notification-fd's descriptor at the last start, -1 when none
	ready      tai64.N // when ./run became ready; zero: not (yet)
	since      tai64.N // when the state (up, finishing, down) last changed
	starts     uint64  // how many times ./run was started
	exitCode   int     // how ./run last ended: its exit code, -1 for a signal or never
	exitSignal int     // the signal that ended it, 0 for none
	exited     tai64.N // when it last ended; zero: never
}

// Main runs supervise with args (program name first) and returns the exit
// status: 0 after x, 100 for usage, 111 for fatal start-up errors.
func Main(args, env []string, stderr io.Writer) int {
	if len(args) != 2 {
		djb.Usage(stderr, prog, "supervise dir")
		return djb.ExitUsage
	}
	env = tuneRuntime(args, env)
	trimRuntime()
	defaultSignals()
	restoreNofile()
	s := newSupervisor(args[1], stderr)
	l, err := newLauncher(s.dir, env)
	if err != nil {
		return s.fatal(err, "unable to start ", s.dir, "/run")
	}
	s.launcher = l
	if s.finisher, err = l.finishLauncher(s.dir); err != nil {
		return s.fatal(err, "unable to start ", s.dir, "/finish")
	}
	if code := s.setUp(); code != 0 {
		return code
	}
	if s.want != svstatus.WantDown {
		s.start()
	}
	s.run()
	s.announce()
	return 0
}

// restoreNofile puts back the soft limit on open files that supervise was
// started with: Go raises it to the hard limit for itself at start-up, and
// the service must get what 0.76's supervise would have handed on.
// supervise itself needs a handful of descriptors.
func restoreNofile() {
	if lim := startNofile(); lim != nil {
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, lim)
	}
}

func newSupervisor(dir string, stderr io.Writer) *supervisor {
	return &supervisor{
		dir: dir, stderr: stderr, warnBuf: make([]byte, 0, len(dir)+warnRoom),
		dirfd: unix.AT_FDCWD, control: -1, controlW: -1, lock: -1, ok: -1,
		pidfd: -1, want: svstatus.WantUp,
		self: unix.Getpid(), stateBuf: make([]byte, 0, svstate.MaxSize),
		notifyFd: -1, notifyTo: -1, exitCode: -1,
	}
}

// trimRuntime makes sure of one P even when the re-exec of
// tuneRuntime could not be done. (The loop allocates nothing, so the
// collector never runs.)
func trimRuntime() {
	runtime.GOMAXPROCS(1)
}

// setUp is the C main() up to the first start: chdir, ./down, the
// supervise/ directory, the lock, the control FIFO, the first status and
// the ok FIFO, in that order (svok succeeds only once ok is open).
func (s *supervisor) setUp() int {
	if s.dirfd == unix.AT_FDCWD {
		if err := unix.Chdir(s.dir); err != nil {
			return s.fatal(err, "unable to chdir to ", s.dir)
		}
	}
	switch err := unix.Fstatat(s.dirfd, "down", new(unix.Stat_t), 0); {
	case err == nil:
		s.want = svstatus.WantDown
	case err != unix.ENOENT:
		return s.fatal(err, "unable to stat ", s.dir, "/down")
	}
	if err := svstatus.MakeDirAt(s.dirfd); err != nil {
		// Debian's patch dies without the "supervise: fatal: " prefix.
		io.WriteString(s.stderr, "unable to readlink ./supervise: "+djb.ErrStr(err)+"\n")
		return djb.ExitTemp
	}
	// The lock, both ends of control and the read end of ok stay open
	// until supervise exits; all are close-on-exec.
	var err error
	if s.lock, err = svstatus.AcquireLockAt(s.dirfd); err != nil {
		return s.fatal(err, "unable to acquire ", s.dir, "/", svstatus.Lock)
	}
	unix.Mkfifoat(s.dirfd, svstatus.Control, 0o600)
	if s.control, err = s.openFIFO(svstatus.Control, unix.O_RDONLY); err != nil {
		return s.fatal(err, "unable to read ", s.dir, "/", svstatus.Control)
	}
	// Holding a write end means reads never see end-of-file when the last
	// svc closes the FIFO.
	if s.controlW, err = s.openFIFO(svstatus.Control, unix.O_WRONLY); err != nil {
		return s.fatal(err, "unable to write ", s.dir, "/", svstatus.Control)
	}
	s.pidChanged()
	if s.machine {
		s.takeOver()
	}
	s.since = s.when
	s.announce()
	unix.Mkfifoat(s.dirfd, svstatus.OK, 0o600)
	if s.ok, err = s.openFIFO(svstatus.OK, unix.O_RDONLY); err != nil {
		return s.fatal(err, "unable to read ", s.dir, "/", svstatus.OK)
	}
	return 0
}

// openFIFO opens a FIFO of the service directory non-blocking and
// close-on-exec, as 0.76's open_read and open_write do.
func (s *supervisor) openFIFO(path string, mode int) (int, error) {
	return unix.Openat(s.dirfd, path, mode|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
}

func (s *supervisor) fatal(err error, parts ...string) int {
	djb.FatalErr(s.stderr, prog, err, parts...)
	return djb.ExitTemp
}

// pidChanged stamps the status with the current time: the timestamp in
// supervise/status moves only when the pid does.
func (s *supervisor) pidChanged() { s.when = tai64.Now() }

// announce writes supervise/status, then supervise/state.
func (s *supervisor) announce() {
	s.writeStatus()
	s.writeState()
}

// writeStatus writes supervise/status. Failures are only warnings, in
// 0.76's words. (svstatus.Write returns its error as a 32-byte
// *WriteError, the only garbage a failing status write leaves.)
func (s *supervisor) writeStatus() {
	r := svstatus.Record{When: s.when, PID: s.pid, Paused: s.pid != 0 && s.paused, Want: s.want}
	err := svstatus.WriteAt(s.dirfd, r)
	if err == nil {
		return
	}
	we := err.(*svstatus.WriteError)
	switch {
	case we.Op == "rename":
		s.warn("unable to rename ", s.dir, "/", svstatus.StatusNew, " to status: ", errText(we.Err))
	case we.Err == svstatus.ErrPartialWrite:
		s.warn("unable to write ", s.dir, "/", svstatus.StatusNew, ": partial write")
	default:
		s.warn("unable to ", we.Op, " ", s.dir, "/", svstatus.StatusNew, ": ", errText(we.Err))
	}
}
