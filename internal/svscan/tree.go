package svscan

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/pathexec"
	"github.com/daemontools-go/daemontools/internal/supervise"
)

// In-process supervision (SVSCAN_MODE=inprocess): svscan runs the state
// machine of supervise itself, for every service and logger of its tree,
// instead of a supervise process for each (0.76's way, the default). The
// service directories keep exactly the files that supervise keeps (the
// 18-byte status, state, the control and ok FIFOs, the lock, held by
// svscan), so svc, svok and svstat, ours and C's, see no difference; the
// services get the same descriptors, environment, limits and signals.
// What is saved is a Go process per service and logger: about 500 kB of
// memory each (svscan(8), daemontools(7)).
//
// The state machine is supervise's own (supervise.Machine); this file
// only drives it. One goroutine, svscan's main loop, runs everything a
// Machine does (it forks, and svscan's reap hands it its children's
// exits); a second one only waits in epoll_wait on every Machine's
// descriptors (the control FIFO, the notification pipe, the pidfd of a
// ./run taken over) and a timerfd for the earliest of their deadlines,
// and sends the main loop what became ready. Every descriptor is
// registered one-shot and armed again by the main loop after the
// Machine's turn, so the waiter never spins on a descriptor the main
// loop has not served yet, and a Machine that is deaf (the pause after
// a start) is simply not armed for its control FIFO.
//
// A panic in the turn of one Machine is recovered: that Machine is
// closed (its lock and FIFOs let go; its ./run runs on) and the next scan
// makes a new one for the directory, which takes the running ./run over
// from the status file as after a restart of svscan (supervise's
// takeOver). The other Machines are not touched.

// modeVar selects the mode.
const modeVar = "SVSCAN_MODE"

const (
	modeSupervise = "supervise" // a supervise process per service (0.76)
	modeInprocess = "inprocess"
)

// inprocess reads modeVar: true for "inprocess"; unset, empty or
// "supervise" is the default; anything else is warned about.
func (s *scanner) inprocess(v string) bool {
	switch v {
	case "", modeSupervise:
		return false
	case modeInprocess:
		return true
	}
	s.warn("bad ", modeVar, " ", v, ", using ", modeSupervise)
	return false
}

// machinePid stands in sv.pid and sv.logPid for a Machine: a supervisor
// runs (non-zero), but no process of its own.
const machinePid = -1

// member is one Machine of the tree.
type member struct {
	m      *supervise.Machine
	sv     *service
	r      role
	fds    [3]int32 // registered: control, notification pipe, pidfd (-1: none)
	run    int      // pids registered in byPid
	finish int
	due    bool // to take a turn in this round
}

type tree struct {
	s     *scanner
	epfd  int
	timer int // timerfd, armed for the earliest deadline
	ready chan []int32
	byFd  map[int32]*member
	byPid map[int]*member
	all   map[*member]bool
	// tookOver counts, per role, the running ./run processes that
	// Machines made since the last report took over (report).
	tookOver [2]int
}

// newTree sets up the poller and starts its waiter. It returns nil (after
// a warning) when epoll or timerfd cannot be had: svscan then runs a
// supervise process per service as usual.
func newTree(s *scanner) *tree {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		s.warnErr(err, "unable to create epoll instance, running supervise processes")
		return nil
	}
	timer, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC|unix.TFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		s.warnErr(err, "unable to create timerfd, running supervise processes")
		return nil
	}
	t := &tree{s: s, epfd: epfd, timer: timer, ready: make(chan []int32, 1),
		byFd: make(map[int32]*member), byPid: make(map[int]*member), all: make(map[*member]bool)}
	t.arm(int32(timer))
	go t.wait()
	// The services are svscan's children: their own orphans (a daemon
	// that forks into the background) come to svscan too, not to
	// process 1, and are reaped with the rest (reap). Where the kernel
	// refuses, they go to process 1 as before.
	unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	return t
}

// wait is the waiter goroutine: it sends each batch of ready descriptors
// to the main loop.
func (t *tree) wait() {
	evs := make([]unix.EpollEvent, 256)
	for {
		n, err := unix.EpollWait(t.epfd, evs, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return
		}
		fds := make([]int32, n)
		for i := range n {
			fds[i] = evs[i].Fd
		}
		t.ready <- fds
	}
}

// arm registers fd one-shot for reading, or arms it again.
func (t *tree) arm(fd int32) {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: fd}
	if unix.EpollCtl(t.epfd, unix.EPOLL_CTL_MOD, int(fd), &ev) == unix.ENOENT {
		unix.EpollCtl(t.epfd, unix.EPOLL_CTL_ADD, int(fd), &ev)
	}
}

// events is the main loop's channel for ready descriptors; nil (never
// ready) without a tree.
func (s *scanner) events() <-chan []int32 {
	if s.tree == nil {
		return nil
	}
	return s.tree.ready
}

// serve handles a batch of ready descriptors: each Machine they belong to
// takes a turn, and so does every Machine whose deadline has come.
func (t *tree) serve(fds []int32) {
	for _, fd := range fds {
		if int(fd) == t.timer {
			var b [8]byte
			unix.Read(t.timer, b[:])
			continue
		}
		if mb := t.byFd[fd]; mb != nil {
			if fd == mb.fds[2] {
				mb.m.Gone() // the ./run taken over has ended
			}
			mb.due = true
		}
	}
	t.round()
}

// pump serves what is ready without waiting (the shutdown's polling
// loops).
func (t *tree) pump() {
	if t == nil {
		return
	}
	for {
		select {
		case fds := <-t.ready:
			t.serve(fds)
		default:
			t.round()
			return
		}
	}
}

// round gives a turn to every Machine marked due or past its deadline,
// then arms the timer for the next deadline.
func (t *tree) round() {
	now := time.Now()
	for mb := range t.all {
		if d := mb.m.Deadline(); !d.IsZero() && !d.After(now) {
			mb.due = true
		}
	}
	for mb := range t.all {
		if mb.due {
			mb.due = false
			t.turn(mb)
		}
	}
	t.setTimer()
}

// exited hands the exit of a child reaped by svscan to its Machine, and
// reports whether one had it.
func (t *tree) exited(pid int, ws unix.WaitStatus) bool {
	mb := t.byPid[pid]
	if mb == nil {
		return false
	}
	delete(t.byPid, pid)
	if mb.m.Exited(pid, ws) {
		t.turn(mb)
		t.setTimer()
	}
	return true
}

// turn is one Step of a Machine, then its registrations brought up to
// date; a Machine that is done, or that panicked, is closed.
func (t *tree) turn(mb *member) {
	if done, failed := t.step(mb); done || failed {
		t.drop(mb)
		return
	}
	t.sync(mb)
}

// step is the Machine's Step, guarded.
func (t *tree) step(mb *member) (done, failed bool) {
	return t.guard(mb, func() bool { return mb.m.Step() })
}

// guard runs fn and recovers a panic in it: the fault of one Machine
// must not stop the supervision of the others.
func (t *tree) guard(mb *member, fn func() bool) (done, failed bool) {
	defer func() {
		if p := recover(); p != nil {
			t.s.warn("supervision of ", mb.sv.name+mb.r.sub, " failed (", fmt.Sprint(p),
				"): its services run on, taken over again at the next scan")
			done, failed = false, true
		}
	}()
	return fn(), false
}

// sync registers the Machine's pids and descriptors as they are now,
// and arms its descriptors again: the control FIFO only while the
// Machine listens to it.
func (t *tree) sync(mb *member) {
	run, finish := mb.m.Pids()
	for _, p := range [...]int{mb.run, mb.finish} {
		if p != 0 && t.byPid[p] == mb {
			delete(t.byPid, p)
		}
	}
	mb.run, mb.finish = run, finish
	for _, p := range [...]int{run, finish} {
		if p > 0 {
			t.byPid[p] = mb
		}
	}
	ctl, listen := mb.m.Control()
	now := [3]int32{int32(ctl), int32(mb.m.Notify()), int32(mb.m.Watch())}
	for i, fd := range mb.fds {
		if fd >= 0 && fd != now[i] && t.byFd[fd] == mb {
			delete(t.byFd, fd)
		}
	}
	mb.fds = now
	for i, fd := range now {
		if fd < 0 {
			continue
		}
		t.byFd[fd] = mb
		if i > 0 || listen {
			t.arm(fd)
		}
	}
}

// drop closes a Machine and forgets it.
func (t *tree) drop(mb *member) {
	for _, fd := range mb.fds {
		if fd >= 0 && t.byFd[fd] == mb {
			delete(t.byFd, fd)
			unix.EpollCtl(t.epfd, unix.EPOLL_CTL_DEL, int(fd), nil)
		}
	}
	for _, p := range [...]int{mb.run, mb.finish} {
		if p != 0 && t.byPid[p] == mb {
			delete(t.byPid, p)
		}
	}
	mb.m.Close()
	delete(t.all, mb)
	mb.sv.mach[mb.r.index] = nil
	if mb.r.index == 0 {
		mb.sv.pid = 0
	} else {
		mb.sv.logPid = 0
	}
}

// setTimer arms the timerfd for the earliest deadline of any Machine.
func (t *tree) setTimer() {
	var first time.Time
	for mb := range t.all {
		if d := mb.m.Deadline(); !d.IsZero() && (first.IsZero() || d.Before(first)) {
			first = d
		}
	}
	var spec unix.ItimerSpec // zero: disarmed
	if !first.IsZero() {
		wait := max(time.Until(first), time.Microsecond)
		spec.Value = unix.NsecToTimespec(int64(wait))
	}
	unix.TimerfdSettime(t.timer, 0, &spec, nil)
	t.arm(int32(t.timer))
}

// start makes the Machines a service lacks (its own, and its logger's
// if it is logged) and starts them. A Machine that takes a running ./run
// over (after svscan restarted) keeps it, and the log pipe that ./run
// writes to (or its logger reads) becomes the service's, so that nothing
// written to it is lost and a side started later joins the other.
func (t *tree) start(sv *service, wantMain, wantLog bool) {
	var made [2]*member
	if wantMain {
		made[0] = t.make(sv, mainRole)
	}
	if wantLog {
		made[1] = t.make(sv, logRole)
	}
	if sv.logged && !sv.pipeTaken && t.pipeFree(sv, made) {
		for i, fd := range [2]string{"1", "0"} {
			if mb := made[i]; mb != nil {
				if run, _ := mb.m.Pids(); run > 0 && t.s.takeRunPipe(sv, run, fd) {
					break
				}
			}
		}
	}
	for _, mb := range made {
		if mb == nil {
			continue
		}
		if run, _ := mb.m.Pids(); run > 0 {
			t.tookOver[mb.r.index]++
		}
		mb.m.SetStdio(t.stdio(sv, mb.r))
		if _, failed := t.guard(mb, func() bool { mb.m.Begin(); return false }); failed {
			t.drop(mb)
			continue
		}
		t.sync(mb)
	}
	t.setTimer()
}

// reportTakeOver says, once per scan, how many running processes new
// Machines took over (after a restart of svscan, or HUP): the word that
// the tree is supervised again.
func (t *tree) reportTakeOver() {
	if n := t.tookOver; n[0]+n[1] > 0 {
		t.s.info("took over the running processes of ", count(n[0], mainRole), " and ", count(n[1], logRole))
		t.tookOver = [2]int{}
	}
}

// pipeFree reports whether svscan's log pipe of sv may still be replaced:
// no supervisor of sv but those just made was handed it.
func (t *tree) pipeFree(sv *service, made [2]*member) bool {
	for i, p := range [2]int{sv.pid, sv.logPid} {
		if p != 0 && !sv.adopted[i] && sv.mach[i] != made[i] {
			return false
		}
	}
	return true
}

// make sets up a Machine for role r of sv, not yet started; nil when it
// could not be (supervise's message has been given; the next scan tries
// again).
func (t *tree) make(sv *service, r role) *member {
	m, ok := supervise.NewMachine(supervise.MachineConfig{
		Dir: sv.name + r.sub, Env: t.s.env, Stdio: t.stdio(sv, r), Stderr: t.s.stderr,
	})
	if !ok {
		return nil
	}
	mb := &member{m: m, sv: sv, r: r, fds: [3]int32{-1, -1, -1}}
	t.all[mb] = true
	sv.mach[r.index] = mb
	if r.index == 0 {
		sv.pid = machinePid
	} else {
		sv.logPid = machinePid
	}
	return mb
}

// stdio is what role r of sv gets as descriptors 0, 1 and 2: svscan's,
// with the log pipe as the service's stdout and the logger's stdin.
func (t *tree) stdio(sv *service, r role) [3]int {
	std := [3]int{int(t.s.std[0]), int(t.s.std[1]), int(t.s.std[2])}
	if sv.logged {
		if r.index == 0 {
			std[1] = sv.pipe[1]
		} else {
			std[0] = sv.pipe[0]
		}
	}
	return std
}

// controlDir is where the Machine's control FIFO is reached whatever
// became of the directory's name.
func (mb *member) controlDir() string {
	return "/proc/self/fd/" + strconv.Itoa(mb.m.Dirfd())
}

// reexec is svscan's answer to HUP under in-process supervision: it
// executes its program file again, in place (same pid, arguments and
// environment), after an upgrade, say. Every descriptor of svscan is
// close-on-exec, so the locks are let go at the exec, and the new image
// takes every running service over from its status file, as after a
// restart, but they are still its children: their exits come with their
// status. No service is stopped. If the exec fails, svscan says so and
// goes on as it was. A stop signal that came before the exec is
// returned instead, for the shutdown: the exec would lose it.
func (s *scanner) reexec(stop <-chan os.Signal) os.Signal {
	exe, err := os.Executable() // the file now at the path, " (deleted)" dropped
	if err == nil {
		select {
		case sig := <-stop:
			return sig
		default:
		}
		s.info("HUP: executing ", exe, " again, taking the running services over")
		// svscan is in the scanned directory already: "." names it
		// whatever the argument was.
		args := []string{os.Args[0]}
		if len(os.Args) > 1 {
			args = append(args, ".")
		}
		err = pathexec.ExecPath(exe, "", args, os.Environ())
	}
	s.warnErr(err, "unable to execute svscan again")
	return nil
}
