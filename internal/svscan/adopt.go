package svscan

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svstatus"
)

// Taking over a running supervise.
//
// A supervise can be running in a service directory that this svscan did
// not start: one started by an earlier svscan that died or was stopped
// without stopping its tree (0.76's svscan dies on TERM and leaves every
// supervise running), or by the svscan of another package being replaced
// (Debian's daemontools-run). 0.76 starts a second supervise anyway,
// which cannot take the lock and exits ("unable to acquire
// NAME/supervise/lock: temporary failure"), and again at every scan,
// every five seconds, for as long as the first one runs. svscan instead
// takes the running supervise over: it starts none while that one runs,
// learns its pid, watches it, and starts its own as soon as that one has
// exited (svc -x, a crash). For a logged service it also takes over the
// pipe that joins the service and its logger, read from the running
// supervise's descriptors, and holds both ends as it holds its own
// pipes: either side that is later restarted by this svscan is joined to
// the other one through that pipe, and nothing written to it is lost.
// At shutdown a supervise taken over is stopped like the others.

// supervisorRunning reports whether a supervise is reading the control
// FIFO of dir, as svok asks.
func supervisorRunning(dir string) bool {
	fd, err := unix.Open(dir+"/"+svstatus.Control, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

// supervisors maps the working directory (device and inode) of every
// supervise process to its pid, from /proc. It is read at most once per
// scan, and only when a running supervise is found that is not a child.
func supervisors() map[fileID]int {
	out := make(map[fileID]int)
	d, err := os.Open("/proc")
	if err != nil {
		return out
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid <= 0 {
			continue
		}
		b, err := os.ReadFile("/proc/" + name + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ...: comm may hold spaces and parentheses.
		open, end := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
		if open < 0 || end < open || string(b[open+1:end]) != "supervise" {
			continue
		}
		var st unix.Stat_t
		if unix.Stat("/proc/"+name+"/cwd", &st) != nil {
			continue
		}
		out[fileID{uint64(st.Dev), st.Ino}] = pid
	}
	return out
}

// adopt takes over the supervise of role r of sv if one runs that svscan
// did not start. It reports whether one runs (known pid or not): svscan
// then starts none.
func (s *scanner) adopt(sv *service, r role) bool {
	dir := sv.name + r.sub
	if !supervisorRunning(dir) {
		return false
	}
	var st unix.Stat_t
	if unix.Stat(dir, &st) != nil {
		return true
	}
	if s.foreign == nil {
		s.foreign = supervisors()
	}
	pid, ok := s.foreign[fileID{uint64(st.Dev), st.Ino}]
	if !ok || s.byPid[pid] != nil {
		return true // running, but not to be found: looked for again at the next scan
	}
	if r.sub == "" {
		sv.pid = pid
	} else {
		sv.logPid = pid
	}
	sv.adopted[r.index] = true
	s.byPid[pid] = sv
	s.adopted[pid] = sv
	s.watchAdopted(pid)
	s.takePipe(sv, pid, r)
	return true
}

// takePipe makes the pipe of the adopted supervise pid (its stdout for a
// service, its stdin for a logger) sv's log pipe, in place of the one
// svscan made, when no supervise started by svscan uses that one.
func (s *scanner) takePipe(sv *service, pid int, r role) {
	if !sv.logged || sv.pipeTaken {
		return
	}
	for i, p := range []int{sv.pid, sv.logPid} {
		if p != 0 && !sv.adopted[i] {
			return // a child of svscan holds svscan's pipe
		}
	}
	fd := "1"
	if r.sub != "" {
		fd = "0"
	}
	s.takeRunPipe(sv, pid, fd)
}

// takeRunPipe makes the pipe open as descriptor fd ("0" or "1") of
// process pid sv's log pipe, and reports whether it did: pid is an
// adopted supervise (the pipe it hands its ./run), or, under in-process
// supervision after svscan restarted, a ./run taken over (tree.go).
func (s *scanner) takeRunPipe(sv *service, pid int, fd string) bool {
	path := "/proc/" + strconv.Itoa(pid) + "/fd/" + fd
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return false
	}
	// The reading end first: opening the writing end of a FIFO without
	// blocking needs a reader. Both are made blocking again: they are
	// handed on as a supervise's stdin or stdout.
	rd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	wr, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(rd)
		return false
	}
	unix.SetNonblock(rd, false)
	unix.SetNonblock(wr, false)
	unix.Close(sv.pipe[0])
	unix.Close(sv.pipe[1])
	sv.pipe = [2]int{rd, wr}
	sv.pipeTaken = true
	return true
}

// watchAdopted arranges for s.gone to receive pid once the process has
// exited: it is not a child, so no SIGCHLD comes. A pidfd in the
// runtime's poller costs a goroutine and no thread; without pidfds
// (Linux before 5.3) each scan looks whether the process is still there.
func (s *scanner) watchAdopted(pid int) {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return
	}
	unix.CloseOnExec(fd)
	f := os.NewFile(uintptr(fd), "pidfd")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return
	}
	s.watched[pid] = true
	go func() {
		defer f.Close()
		// The pidfd becomes readable when the process exits; the
		// function returns false until then, and the poller waits.
		rc.Read(func(fd uintptr) bool {
			p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, _ := unix.Poll(p, 0)
			return n > 0
		})
		s.gone <- pid
	}()
}

// checkAdopted notices adopted processes that have exited without a
// watcher (no pidfd).
func (s *scanner) checkAdopted() {
	for pid := range s.adopted {
		if !s.watched[pid] && unix.Kill(pid, 0) == unix.ESRCH {
			s.adoptedExited(pid)
		}
	}
}

// adoptedExited records that the adopted supervise pid has gone.
func (s *scanner) adoptedExited(pid int) {
	sv, ok := s.adopted[pid]
	if !ok {
		return
	}
	delete(s.adopted, pid)
	delete(s.watched, pid)
	if sv.pid == pid {
		sv.adopted[0] = false
	}
	if sv.logPid == pid {
		sv.adopted[1] = false
	}
	s.exited(pid)
}

// collectGone takes the exits the watchers have reported so far.
func (s *scanner) collectGone() {
	for {
		select {
		case pid := <-s.gone:
			s.adoptedExited(pid)
		default:
			return
		}
	}
}
