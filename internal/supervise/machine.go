package supervise

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svstate"
	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/tai64"
)

// A Machine is supervise without a process of its own: the same
// supervisor, driven by svscan's in-process supervision (package svscan,
// tree.go) instead of by the loop of Main. What differs is only where
// it waits:
//
//   - the supervise program sleeps in the pause after a start (and for
//     a minute after a failed fork) and polls its own descriptors; a
//     Machine is deaf until a time instead (Deadline), and svscan polls
//     the descriptors of every Machine at once (Control, Notify);
//   - the supervise program reaps its children; svscan reaps all of its
//     own and hands a Machine the exits of its ./run and ./finish
//     (Exited), which the Machine takes in the order 0.76 would, once it
//     is no longer deaf;
//   - the service directory is a descriptor, not the current directory,
//     and the child enters it before it execs ./run.
//
// Everything else, from the status files to the commands, the options
// and the messages, is the code the supervise program runs.
type Machine struct{ s *supervisor }

// MachineConfig is what a Machine needs from svscan.
type MachineConfig struct {
	Dir    string    // the directory, relative to svscan's: "NAME" or "NAME/log"; in messages as supervise's argument
	Env    []string  // ./run's environment
	Stdio  [3]int    // ./run's descriptors 0, 1 and 2 (svscan's own, or a log pipe's end)
	Stderr io.Writer // supervise's messages
}

// childExit is an exit reaped by svscan, not yet taken by the Machine.
type childExit struct {
	pid int
	ws  unix.WaitStatus
}

// NewMachine sets a Machine up as the supervise program sets itself up
// (./down, supervise/, the lock, the FIFOs, the first status), without
// starting ./run. On failure it has written supervise's fatal message
// to c.Stderr and holds nothing; svscan tries again at a later scan, as
// it would start the supervise program again.
func NewMachine(c MachineConfig) (*Machine, bool) {
	s := newSupervisor(c.Dir, c.Stderr)
	s.machine = true
	fd, err := unix.Open(c.Dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		s.fatal(err, "unable to chdir to ", s.dir)
		return nil, false
	}
	s.dirfd = fd
	l, err := newLauncher(s.dir, c.Env)
	if err != nil {
		s.fatal(err, "unable to start ", s.dir, "/run")
		s.close()
		return nil, false
	}
	l.dirfd, l.stdio = fd, c.Stdio
	if lim := startNofile(); lim != nil {
		l.nofile = &unix.Rlimit{Cur: uint64(lim.Cur), Max: uint64(lim.Max)}
	}
	s.launcher = l
	if s.finisher, err = l.finishLauncher(s.dir); err != nil {
		s.fatal(err, "unable to start ", s.dir, "/finish")
		s.close()
		return nil, false
	}
	if s.setUp() != 0 {
		s.close()
		return nil, false
	}
	return &Machine{s}, true
}

// SetStdio changes the descriptors ./run gets (svscan decides on the log
// pipe once it knows whether a ./run was taken over).
func (m *Machine) SetStdio(std [3]int) {
	m.s.launcher.stdio, m.s.finisher.stdio = std, std
}

// Begin is the first start, unless ./down is there, as the supervise
// program's after its set-up; a Machine that took a running ./run over
// starts none.
func (m *Machine) Begin() {
	if m.s.pid == 0 && m.s.want != svstatus.WantDown {
		m.s.start()
	}
	m.s.announce()
}

// Step is one turn of the supervise program's loop: readiness, the
// timers, the exits handed in, one command. It reports whether the
// Machine is done (x, and the service is down): svscan then closes it.
// While deaf it only notes readiness.
func (m *Machine) Step() (done bool) {
	s := m.s
	s.readNotification()
	if m.deaf() {
		return false
	}
	s.timers()
	if m.deaf() {
		return false
	}
	if s.reap() {
		return true
	}
	if m.deaf() {
		return false
	}
	var c [1]byte
	if rawRead(s.control, c[:]) == 1 {
		injectFault(c[0])
		s.command(c[0])
	}
	return s.exiting && s.pid == 0 && s.finishPid == 0
}

// deaf reports whether the Machine is in a pause; once the pause is
// over it forgets it.
func (m *Machine) deaf() bool {
	if m.s.deafUntil.IsZero() {
		return false
	}
	if time.Now().Before(m.s.deafUntil) {
		return true
	}
	m.s.deafUntil = time.Time{}
	return false
}

// Exited hands the Machine the exit of pid, reaped by svscan, and
// reports whether pid was its ./run or ./finish.
func (m *Machine) Exited(pid int, ws unix.WaitStatus) bool {
	s := m.s
	if pid <= 0 || (pid != s.pid && pid != s.finishPid) {
		return false
	}
	for i := range s.nexits {
		if s.exits[i].pid == pid { // Gone came first: the status is known now
			s.exits[i].ws = ws
			return true
		}
	}
	if s.nexits == len(s.exits) {
		return false
	}
	s.exits[s.nexits] = childExit{pid, ws}
	s.nexits++
	return true
}

// Dirfd is the service directory's descriptor: svscan reaches the
// control FIFO through /proc/self/fd/N even once the directory has been
// renamed or removed.
func (m *Machine) Dirfd() int { return m.s.dirfd }

// Pids are the running ./run and ./finish (0 for none): the children
// whose exits svscan hands to this Machine.
func (m *Machine) Pids() (run, finish int) { return m.s.pid, m.s.finishPid }

// Control is the read end of supervise/control, and whether the Machine
// reads it now (not while deaf, as 0.76 reads no command while it
// sleeps).
func (m *Machine) Control() (fd int, listen bool) {
	return m.s.control, m.s.deafUntil.IsZero() || !time.Now().Before(m.s.deafUntil)
}

// Notify is the read end of the notification pipe, -1 when none.
func (m *Machine) Notify() int { return m.s.notifyFd }

// Deadline is when the Machine must take a Step even if nothing
// happens: the end of a pause, a timer of the extensions, a retry after
// a failed fork, an exit handed in; zero for none.
func (m *Machine) Deadline() time.Time {
	s := m.s
	if !s.deafUntil.IsZero() {
		return s.deafUntil
	}
	if s.nexits > 0 || s.forkFailed {
		return time.Now()
	}
	var at time.Time
	for _, t := range [...]time.Time{s.killAt, s.finishEnd, s.restartAt} {
		if !t.IsZero() && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	return at
}

// Close lets go of every descriptor: the lock, the FIFOs, the
// directory. svscan closes a Machine once it is done (x), when its turn
// panicked, or when a shutdown's deadline has passed; its service, if
// still running, runs on without it.
func (m *Machine) Close() { m.s.close() }

func (s *supervisor) close() {
	for _, fd := range [...]*int{&s.control, &s.controlW, &s.ok, &s.lock, &s.pidfd, &s.notifyFd} {
		if *fd >= 0 {
			rawClose(*fd)
			*fd = -1
		}
	}
	if s.dirfd >= 0 {
		rawClose(s.dirfd)
		s.dirfd = -1
	}
}

// takeOver, in the set-up of a Machine (the lock is held, the status not
// yet rewritten), looks for the ./run that the status says is running:
// one left by an svscan that died (kill -9, a crash, an upgrade) or by a
// Machine that failed (see svscan's tree.go). If that process is still
// there, the Machine supervises it on instead of starting another: the
// status keeps its pid, its time and its flags, and the state its
// readiness and count of starts. It is not a child (or not known as
// one), so its end is seen through a pidfd (Watch), and its exit status
// only if svscan reaps it; else it is unknown (see Gone).
func (s *supervisor) takeOver() {
	var b [svstatus.Size]byte
	if n, ok := readOption(s.dirfd, statusPath, b[:]); !ok || n < len(b) {
		return
	}
	rec, err := svstatus.Decode(b[:])
	if err != nil || rec.PID <= 0 || !startedAt(rec.PID, wallTime(rec.When)) {
		return
	}
	fd, e := rawPidfdOpen(rec.PID)
	if e != 0 {
		return
	}
	s.pid, s.pidfd, s.when = rec.PID, fd, rec.When
	s.paused, s.want = rec.Paused, rec.Want
	s.runPgid = rawGetpgid(rec.PID)
	s.ready = rec.When
	var sb [4096]byte
	if n, ok := readOption(s.dirfd, statePath, sb[:]); ok {
		if st, err := svstate.Parse(sb[:n]); err == nil && st.PID == rec.PID {
			s.ready, s.starts = st.Ready, st.Starts
		}
	}
}

var (
	statusPath = svstatus.NewSysPath(svstatus.Status)
	statePath  = svstatus.NewSysPath(svstate.File)
)

// wallTime is moment n as a time.Time.
func wallTime(n tai64.N) time.Time { return time.Unix(n.Unix(), int64(n.Nano)) }

// startedAt reports whether process pid is alive (not a zombie) and was
// started within two seconds of at: the process the status names, not
// another that took its pid since (after a reboot, say).
func startedAt(pid int, at time.Time) bool {
	start, ok := procStart(pid)
	if !ok {
		return false
	}
	d := start.Sub(at)
	return d > -2*time.Second && d < 2*time.Second
}

// Watch is the pidfd of a ./run taken over (takeOver), -1 otherwise:
// when it polls readable, svscan calls Gone.
func (m *Machine) Watch() int { return m.s.pidfd }

// Gone tells the Machine that the ./run it took over has ended. Its exit
// status is known when it is svscan's own child (after svscan executed
// itself again, or a Machine failed), reaped here; else it is unknown.
func (m *Machine) Gone() {
	s := m.s
	if s.pid == 0 || s.pidfd < 0 {
		return
	}
	rawClose(s.pidfd)
	s.pidfd = -1
	for i := range s.nexits {
		if s.exits[i].pid == s.pid {
			return
		}
	}
	ws := unknownExit
	var status unix.WaitStatus
	if rawWait4Pid(s.pid, &status) {
		ws = status
	}
	m.Exited(s.pid, ws)
}

// unknownExit stands for the exit status of a ./run taken over that
// svscan could not reap: no real wait status has bits above 16 set.
const unknownExit = unix.WaitStatus(0xffffffff)

// procStart is when process pid started, from /proc (its start in clock
// ticks after boot, and the boot time), and false when it is not there
// or is a zombie.
func procStart(pid int) (time.Time, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return time.Time{}, false
	}
	// pid (comm) state ppid ...: comm may hold spaces and parentheses.
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return time.Time{}, false
	}
	f := strings.Fields(string(b[end+1:]))
	// f[0] is the state (field 3), f[19] the start time (field 22).
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return time.Time{}, false
	}
	ticks, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	boot, ok := bootTime()
	if !ok {
		return time.Time{}, false
	}
	const hz = 100 // USER_HZ, the unit of /proc on every Linux architecture
	return boot.Add(time.Duration(ticks) * time.Second / hz), true
}

// bootTime is btime of /proc/stat.
func bootTime() (time.Time, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(secs, 0), err == nil
		}
	}
	return time.Time{}, false
}
