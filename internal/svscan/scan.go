package svscan

import (
	"github.com/daemontools-go/daemontools/internal/spawn"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/pathexec"
)

// fileID names a service directory the way 0.76 does: by device and
// inode, so that renaming a directory inside the scan directory is not a
// new service.
type fileID struct{ dev, ino uint64 }

// service is one entry of 0.76's table x[].
type service struct {
	name   string // name under which the directory was last seen
	active bool   // seen by the scan in progress (or the last complete one)
	logged bool   // decided once, when the entry is created
	pid    int    // supervise NAME, 0 when not running
	logPid int    // supervise log, 0 when not running
	// pipe connects supervise NAME's stdout to supervise log's stdin.
	// svscan keeps both ends open (close-on-exec) for the life of the
	// entry, so either side can restart without EOF, SIGPIPE or loss.
	pipe [2]int
	// At shutdown: the bytes waiting in the pipe at the last look, and
	// when fewer were last seen than the time before.
	queued   int
	queuedAt time.Time
	// adopted marks the supervise processes (main, log) that svscan took
	// over instead of starting them (adopt.go); pipeTaken, that pipe is
	// theirs.
	adopted   [2]bool
	pipeTaken bool
	// mach holds the Machines (main, log) of in-process supervision
	// (tree.go); pid and logPid are then machinePid.
	mach [2]*member
	st   serviceStatus // for STATUS= (status.go)
}

// scanner is the state of one svscan: the service table and what the
// supervise children inherit.
type scanner struct {
	stderr   *os.File
	std      [3]uintptr // descriptors 0, 1, 2 handed to every child
	env      []string   // environment of every child
	services map[fileID]*service
	byPid    map[int]*service
	timeout  time.Duration // bound of the shutdown in progress
	spare    []int         // descriptors held for spawn (see keepSpare)
	// Supervise processes taken over (adopt.go): by pid, those watched
	// through a pidfd, and the pids of their watchers' reports.
	adopted map[int]*service
	watched map[int]bool
	gone    chan int
	foreign map[fileID]int // supervise processes by directory, read once per scan
	status  *statusWatch   // STATUS= (status.go); nil without NOTIFY_SOCKET
	tree    *tree          // in-process supervision (tree.go); nil: supervise processes
}

func newScanner(stdin, stdout, stderr *os.File, env []string) *scanner {
	s := &scanner{
		stderr:   stderr,
		std:      [3]uintptr{stdin.Fd(), stdout.Fd(), stderr.Fd()},
		env:      env,
		services: make(map[fileID]*service),
		byPid:    make(map[int]*service),
		adopted:  make(map[int]*service),
		watched:  make(map[int]bool),
		gone:     make(chan int, 16),
	}
	s.keepSpare()
	return s
}

func (s *scanner) warn(parts ...string) { djb.Warn(s.stderr, prog, parts...) }

func (s *scanner) warnErr(err error, parts ...string) { djb.WarnErr(s.stderr, prog, err, parts...) }

// reap collects every exited child without blocking. Children that are
// not supervise processes (orphans reparented to svscan as process 1)
// are simply collected.
func (s *scanner) reap() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
		if s.tree != nil && s.tree.exited(pid, ws) {
			continue
		}
		s.exited(pid)
	}
}

// exited records that the supervise process pid has gone.
func (s *scanner) exited(pid int) {
	sv, ok := s.byPid[pid]
	if !ok {
		return
	}
	delete(s.byPid, pid)
	switch pid {
	case sv.pid:
		sv.pid = 0
	case sv.logPid:
		sv.logPid = 0
	}
}

// scan is 0.76's doit() without the reaping: read the directory, start
// what is missing, forget removed services whose supervisors are gone.
// As in 0.76 the directory stays open while the services are started, so
// that a pipe can never take the descriptor the next scan needs to read
// the directory.
func (s *scanner) scan() {
	for _, sv := range s.services {
		sv.active = false
	}
	s.foreign = nil
	s.collectGone()
	s.checkAdopted()
	dir, err := os.Open(".")
	if err != nil {
		s.warnErr(err, "unable to read directory")
		return
	}
	defer dir.Close()
	// Directory order, as readdir gives it; after a read error, the
	// names seen so far.
	names, err := dir.Readdirnames(-1)
	for _, name := range names {
		s.start(name)
	}
	if s.tree != nil {
		s.tree.reportTakeOver()
	}
	if err != nil {
		// 0.76 stops here: nothing is forgotten after a failed read.
		s.warnErr(err, "unable to read directory")
		return
	}
	s.forgetRemoved()
}

// forgetRemoved drops entries whose directory has gone and whose two
// supervise processes have both exited, closing their pipe.
func (s *scanner) forgetRemoved() {
	for id, sv := range s.services {
		if sv.active || sv.pid != 0 || sv.logPid != 0 {
			continue
		}
		if sv.logged {
			unix.Close(sv.pipe[0])
			unix.Close(sv.pipe[1])
		}
		s.unwatchStatus(sv)
		delete(s.services, id)
	}
}

// start is 0.76's start(): make sure an entry exists for name and that its
// supervise processes run.
func (s *scanner) start(name string) {
	if strings.HasPrefix(name, ".") {
		return
	}
	var st unix.Stat_t
	if err := unix.Stat(name, &st); err != nil {
		s.warnErr(err, "unable to stat ", name)
		return
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return
	}
	id := fileID{uint64(st.Dev), st.Ino}
	sv := s.services[id]
	if sv == nil {
		sv = s.newService(name)
		if sv == nil {
			return
		}
		s.services[id] = sv
	}
	sv.name = name
	sv.active = true
	// A supervise running without svscan having started it is taken
	// over, not doubled (adopt.go): both are looked for before either is
	// started, so that a pipe taken over joins the two.
	mainHeld := sv.pid == 0 && s.adopt(sv, mainRole)
	logHeld := sv.logged && sv.logPid == 0 && s.adopt(sv, logRole)
	if s.tree != nil {
		s.tree.start(sv, sv.pid == 0 && !mainHeld, sv.logged && sv.logPid == 0 && !logHeld)
		return
	}
	if sv.pid == 0 && !mainHeld && !s.startMain(sv) {
		return // no fork, so 0.76 does not try the log either
	}
	if sv.logged && sv.logPid == 0 && !logHeld {
		s.startLog(sv)
	}
}

// newService creates the entry for a directory seen for the first time.
// Whether it is logged is decided here and never again. It returns nil
// (after a warning) when the entry cannot be created now.
func (s *scanner) newService(name string) *service {
	sv := &service{name: name}
	logged, err := hasLog(name)
	if err != nil {
		s.warnErr(err, "unable to stat ", name, "/log")
		return nil
	}
	if logged {
		p, err := logPipe()
		if err != nil {
			s.warnErr(err, "unable to create pipe for ", name)
			return nil
		}
		sv.logged, sv.pipe = true, p
	}
	return sv
}

// logPipe creates a service's log pipe. It must leave a descriptor number
// free above both ends: ForkExec moves its status pipe, in the child,
// above the highest descriptor handed to it, and a pipe end at the limit
// would make every start of the service fail. A pipe that does not leave
// that room is refused like one the limit did not allow.
func logPipe() ([2]int, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return p, err
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err == nil && uint64(max(p[0], p[1]))+1 >= lim.Cur {
		unix.Close(p[0])
		unix.Close(p[1])
		return p, unix.EMFILE
	}
	return p, nil
}

// hasLog reports whether NAME/log exists (any type). As in 0.76, names
// longer than 255 bytes are never logged.
func hasLog(name string) (bool, error) {
	if len(name) > 255 {
		return false, nil
	}
	var st unix.Stat_t
	err := unix.Stat(name+"/log", &st)
	if err == unix.ENOENT {
		return false, nil
	}
	return err == nil, err
}

// startMain runs "supervise NAME" in the scan directory; for a logged
// service its stdout is the pipe. It reports false when no process could
// be forked, true when one was (even if it could not run supervise: in
// 0.76 that child says so itself).
func (s *scanner) startMain(sv *service) bool {
	files := s.std
	if sv.logged {
		files[1] = uintptr(sv.pipe[1])
	}
	pid, err := s.spawn("", []string{"supervise", sv.name}, files)
	if err != nil {
		s.warnSpawn(err, sv.name)
		return !isForkError(err)
	}
	sv.pid = pid
	s.byPid[pid] = sv
	return true
}

// startLog runs "supervise log" inside NAME with the pipe as stdin.
// 0.76's child enters NAME and says "unable to switch to NAME" when it
// cannot; ForkExec would report that failure like a failed exec, so the
// parent tries first (as svscan's user, as the child would) and gives
// 0.76's message itself, without forking.
func (s *scanner) startLog(sv *service) {
	if err := unix.Faccessat(unix.AT_FDCWD, sv.name, unix.X_OK, unix.AT_EACCESS); err != nil {
		s.warnErr(err, "unable to switch to ", sv.name)
		return
	}
	files := s.std
	files[0] = uintptr(sv.pipe[0])
	pid, err := s.spawn(sv.name, []string{"supervise", "log"}, files)
	if err != nil {
		s.warnSpawn(err, sv.name+"/log")
		return
	}
	sv.logPid = pid
	s.byPid[pid] = sv
}

// warnSpawn gives 0.76's message for a supervise that did not start:
// "unable to fork for WHAT" when no process was made, "unable to start
// supervise WHAT" when the exec failed.
func (s *scanner) warnSpawn(err error, what string) {
	if isForkError(err) {
		s.warnErr(err, "unable to fork for ", what)
		return
	}
	s.warnErr(err, "unable to start supervise ", what)
}

// spawn starts a supervise child with svscan's environment. The spare
// descriptors are let go for the time of the fork: ForkExec needs three
// (its status pipe and the child's pidfd) where 0.76's fork needs none.
func (s *scanner) spawn(dir string, argv []string, files [3]uintptr) (int, error) {
	s.releaseSpare()
	defer s.keepSpare()
	return forkExec(dir, argv, s.env, files)
}

// spareCount is how many descriptors one spawn needs in svscan itself.
const spareCount = 3

// keepSpare holds spareCount descriptors (of "/", opened O_PATH) for
// spawn. Without them a svscan whose log pipes had used every descriptor
// could start no supervise at all, not even the ones of unlogged
// services, where 0.76 goes on forking: with them, as in 0.76, only a new
// logged service fails ("unable to create pipe"). It holds what it can.
func (s *scanner) keepSpare() {
	for len(s.spare) < spareCount {
		fd, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return
		}
		s.spare = append(s.spare, fd)
	}
}

// releaseSpare closes the spare descriptors.
func (s *scanner) releaseSpare() {
	for _, fd := range s.spare {
		unix.Close(fd)
	}
	s.spare = s.spare[:0]
}

// forkError is a spawn that made no process: 0.76's "unable to fork for".
// Every other spawn error happened in the child, before or at its exec.
type forkError struct{ err error }

func (e *forkError) Error() string { return "fork: " + e.err.Error() }
func (e *forkError) Unwrap() error { return e.err }

func isForkError(err error) bool {
	_, ok := err.(*forkError)
	return ok
}

// forkExec forks and execs argv[0] found along env's PATH with 0.76's
// rules, with files as descriptors 0, 1 and 2. The PATH search happens in
// the parent because Go cannot run code between fork and exec; ForkExec
// reports the child's exec error, so the outcome and the error reported
// are the same. dir, when not empty, is entered before the exec (and so
// before a relative PATH element is resolved), as 0.76's child does. A
// failure to fork ends the search, as a *forkError.
func forkExec(dir string, argv, env []string, files [3]uintptr) (int, error) {
	var pid int
	err := pathexec.Search(argv[0], env, func(path string) error {
		var err error
		pid, err = forkExecOnce(path, dir, argv, env, files)
		return err
	})
	return pid, err
}

// noChild is what forkExecOnce puts in SysProcAttr.PidFD before the fork.
// ForkExec stores there the child's pidfd (or -1) as soon as clone has
// made the child, and leaves it -1 when the child then fails; so a
// failed ForkExec that left noChild never had a child: the fork itself
// failed (clone, or the status pipe before it). ForkExec's error alone
// cannot tell: both come back as an Errno. TestSvscanForkFailureWording
// and TestSvscanUnableToStartSupervise hold this to the Go release in use.
const noChild = -2

// forkExecOnce is one ForkExec of path, telling a failed fork
// (*forkError) from a child that failed before its exec.
func forkExecOnce(path, dir string, argv, env []string, files [3]uintptr) (int, error) {
	if spawn.Needed() {
		// The child must get the memory limits svscan started with.
		pid, forkFailed, err := spawn.Start(path, argv, env, dir, []int{int(files[0]), int(files[1]), int(files[2])})
		if forkFailed {
			return 0, &forkError{err}
		}
		return pid, err
	}
	pidfd := noChild
	attr := &syscall.ProcAttr{Dir: dir, Env: env, Files: files[:], Sys: &syscall.SysProcAttr{PidFD: &pidfd}}
	pid, err := syscall.ForkExec(path, argv, attr)
	if pidfd >= 0 {
		unix.Close(pidfd)
	}
	if err != nil && pidfd == noChild {
		return 0, &forkError{err}
	}
	return pid, err
}

// running lists the supervise processes still alive: mains, then loggers.
func (s *scanner) running() (mains, logs []*service) {
	for _, sv := range s.services {
		if sv.pid != 0 {
			mains = append(mains, sv)
		}
		if sv.logPid != 0 {
			logs = append(logs, sv)
		}
	}
	return mains, logs
}
