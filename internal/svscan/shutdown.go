package svscan

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/svconf"
	"github.com/daemontools-go/daemontools/internal/svstatus"
)

// timeoutVar names the environment variable bounding a shutdown.
const timeoutVar = "SVSCAN_SHUTDOWN_TIMEOUT"

// defaultTimeout bounds a shutdown when timeoutVar is unset.
const defaultTimeout = 60 * time.Second

const (
	// resendEvery repeats the commands to supervisors that have not
	// exited yet: one that was still starting (no control FIFO yet) when
	// the first command went out gets it on a later round.
	resendEvery = time.Second
	// logNudge is how long a logger may take to reach the end of its
	// input before it is sent "d" as well as "x" (at most half the time
	// left before the deadline).
	logNudge = 5 * time.Second
	// killGrace is how long a supervise may take to exit once its service
	// got KILL before it is sent KILL itself.
	killGrace = 3 * time.Second
)

// shutdownTimeout parses timeoutVar: seconds ("60", "2.5") or a Go
// duration ("500ms", "2m").
func shutdownTimeout(v string) (time.Duration, error) {
	if v == "" {
		return defaultTimeout, nil
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 && secs < 1e9 {
		return time.Duration(secs * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("not a number of seconds: %s", v)
	}
	return d, nil
}

// role picks one of the two supervise processes of a service.
type role struct {
	index  int    // 0 for the service, 1 for its logger
	plural string // "services" or "log services"
	sub    string // directory of that supervise inside NAME
	pid    func(*service) int
}

var (
	mainRole = role{0, "services", "", func(sv *service) int { return sv.pid }}
	logRole  = role{1, "log services", "/log", func(sv *service) int { return sv.logPid }}
)

func (s *scanner) info(parts ...string) {
	s.stderr.WriteString(prog + ": info: " + strings.Join(parts, "") + "\n")
}

// count words a number of services: "1 service", "2 log services".
func count(n int, r role) string {
	noun := r.plural
	if n == 1 {
		noun = noun[:len(noun)-1]
	}
	return strconv.Itoa(n) + " " + noun
}

// shutdown stops the tree in order: every service with "dx" (svc -dx),
// then, once their supervisors have exited, every logger, so that what
// the services wrote while stopping reaches the logs. The loggers' pipes
// are closed first and the loggers get "x" alone, so a logger that stops
// at end of input (multilog) drains the pipe; "d" follows after logNudge
// for a logger that has not drained any of its pipe for logNudge.
// Whatever still runs at the deadline gets KILL. It returns svscan's exit
// status: 0 after a clean shutdown, 111 after a KILL.
func (s *scanner) shutdown(sig os.Signal, timeout time.Duration, children <-chan os.Signal) int {
	s.releaseSpare() // nothing is started from here; the control FIFOs want descriptors
	s.notify(daemon.SdNotifyStopping)
	deadline := time.Now().Add(timeout)
	s.timeout = timeout
	s.reap()
	mains, _ := s.running()
	s.info("shutdown on ", signalName(sig), ": stopping ", count(len(mains), mainRole))
	mainsEnd := s.phaseDeadline(mainRole, deadline)
	clean := s.stop(mainRole, "dx", "dx", mainsEnd, children)
	// The loggers get the time they would have had if no service had
	// been given longer.
	logsDeadline := deadline.Add(mainsEnd.Sub(deadline))
	// "x" reaches every logger's supervise before its input ends: a
	// supervise that saw its logger exit first would start it again (0.76
	// reads no command during the second it waits before a restart).
	s.sendAll(logRole, "x")
	s.controlsRead(logRole, min(time.Second, time.Until(logsDeadline)/2))
	s.closeWriters()
	_, logs := s.running()
	s.info("shutdown: stopping ", count(len(logs), logRole))
	logsEnd := s.phaseDeadline(logRole, logsDeadline)
	if !s.stop(logRole, "x", "dx", logsEnd, children) {
		clean = false
	}
	if !clean {
		s.info("shutdown: complete after KILL")
		return djb.ExitTemp
	}
	s.info("shutdown: complete")
	return 0
}

// phaseDeadline is deadline, or later when a service directory of role
// r bounds its own stop (timeout-kill, see svconf.StopBound) by more:
// its supervise sends KILL itself, after timeout-kill, and svscan waits
// for that, plus killGrace (and, for a logger, logNudge: its "d" comes
// only then), before its own KILL. A service's own bound is the more
// specific one, so it wins over SVSCAN_SHUTDOWN_TIMEOUT, and is still a
// bound: the shutdown cannot hang.
func (s *scanner) phaseDeadline(r role, deadline time.Time) time.Time {
	start := time.Now()
	for _, sv := range s.alive(r) {
		bound := time.Duration(0)
		for _, dir := range sv.dirs(r) {
			if bound = svconf.StopBound(dir); bound > 0 {
				break
			}
		}
		if bound == 0 {
			continue
		}
		bound += killGrace
		if r.sub != "" {
			bound += logNudge
		}
		if end := start.Add(bound); end.After(deadline) {
			deadline = end
		}
	}
	return deadline
}

func signalName(sig os.Signal) string {
	if n, ok := sig.(unix.Signal); ok {
		return unix.SignalName(n)[len("SIG"):]
	}
	return sig.String()
}

// closeWriters closes svscan's writing end of every log pipe. The main
// supervisors are gone, so the loggers see end of input once they have
// read everything.
func (s *scanner) closeWriters() {
	for _, sv := range s.services {
		if sv.logged && sv.pipe[1] >= 0 {
			unix.Close(sv.pipe[1])
			sv.pipe[1] = -1
		}
	}
}

// stop sends first to every supervise of role r, again every resendEvery
// (later instead once logNudge or half the time left has passed), until
// they have all exited or the deadline passes. It reports whether they
// exited without KILL.
func (s *scanner) stop(r role, first, later string, deadline time.Time, children <-chan os.Signal) bool {
	patience := min(logNudge, time.Until(deadline)/2)
	nudge := time.Now().Add(patience)
	resend := time.NewTicker(resendEvery)
	defer resend.Stop()
	expire := time.NewTimer(time.Until(deadline))
	defer expire.Stop()
	s.sendAll(r, first)
	for _, sv := range s.alive(r) {
		s.draining(sv, r, patience)
	}
	for len(s.alive(r)) > 0 {
		select {
		case <-children:
			s.reap()
		case fds := <-s.events():
			s.tree.serve(fds)
		case pid := <-s.gone:
			s.adoptedExited(pid)
		case <-resend.C:
			s.checkAdopted()
			past := !time.Now().Before(nudge)
			for _, sv := range s.alive(r) {
				if s.draining(sv, r, patience) || !past {
					s.send(sv, r, first)
				} else {
					s.send(sv, r, later)
				}
			}
		case <-expire.C:
			s.kill(r)
			return false
		}
	}
	return true
}

// draining reports whether the logger of sv is still reading its pipe:
// bytes wait in it, and fewer than at some look within patience (logNudge,
// or half the time left if less: a logger on a loaded machine or a slow
// disk may take a while between reads). A logger busy with a backlog is left to finish it, however long
// that takes before the deadline; "d" would stop it with the rest of the
// backlog unread, lost once svscan exits. For the main services, and a
// logger whose pipe is empty, it is false.
func (s *scanner) draining(sv *service, r role, patience time.Duration) bool {
	if r.sub == "" || !sv.logged || sv.pipe[0] < 0 {
		return false
	}
	n, err := unreadBytes(sv.pipe[0])
	if err != nil || n == 0 {
		return false
	}
	now := time.Now()
	if sv.queuedAt.IsZero() || n < sv.queued {
		sv.queuedAt = now
	}
	sv.queued = n
	return now.Sub(sv.queuedAt) < patience
}

// sendAll sends cmd to every supervise of role r still running.
func (s *scanner) sendAll(r role, cmd string) {
	for _, sv := range s.alive(r) {
		s.send(sv, r, cmd)
	}
}

// alive lists the services whose supervise of role r still runs.
func (s *scanner) alive(r role) []*service {
	var out []*service
	for _, sv := range s.services {
		if r.pid(sv) != 0 {
			out = append(out, sv)
		}
	}
	return out
}

// dirs lists where the supervise of role r may be addressed: the service
// directory under its current name, and the supervise process's own
// working directory, which still works for a directory renamed or
// removed from the scan directory.
func (sv *service) dirs(r role) []string {
	var out []string
	if sv.active {
		out = append(out, sv.name+r.sub)
	}
	if mb := sv.mach[r.index]; mb != nil {
		return append(out, mb.controlDir())
	}
	return append(out, "/proc/"+strconv.Itoa(r.pid(sv))+"/cwd")
}

// send writes cmd to the control FIFO of a supervise, as svc does. A
// supervise that is not reading yet is tried again on the next round.
func (s *scanner) send(sv *service, r role, cmd string) {
	for _, dir := range sv.dirs(r) {
		if writeControl(dir, cmd) == nil {
			return
		}
	}
}

// controlsRead waits, at most d, until every supervise of role r still
// running has read what was written to its control FIFO.
func (s *scanner) controlsRead(r role, d time.Duration) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		pending := false
		for _, sv := range s.alive(r) {
			for _, dir := range sv.dirs(r) {
				fd, err := unix.Open(dir+"/"+svstatus.Control, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
				if err != nil {
					continue
				}
				n, err := unreadBytes(fd)
				unix.Close(fd)
				pending = pending || err == nil && n > 0
				break
			}
		}
		if !pending {
			return
		}
		time.Sleep(5 * time.Millisecond)
		s.tree.pump()
	}
}

func writeControl(dir, cmd string) error {
	fd, err := unix.Open(dir+"/"+svstatus.Control, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	_, err = unix.Write(fd, []byte(cmd))
	return err
}

// kill ends what is left of role r after the deadline: KILL to each
// service process (its pid read from supervise/status), then, after
// killGrace, KILL to the supervise processes that still have not exited.
func (s *scanner) kill(r role) {
	left := s.alive(r)
	djb.Warn(s.stderr, prog, "shutdown: timeout (", s.timeout.String(), ") reached, sending KILL to ",
		count(len(left), r))
	for _, sv := range left {
		if pid := servicePid(sv, r); pid > 0 {
			unix.Kill(pid, unix.SIGKILL)
		}
	}
	s.waitFor(r, killGrace)
	for _, sv := range s.alive(r) {
		if mb := sv.mach[r.index]; mb != nil {
			s.tree.drop(mb) // no process of its own to kill
			continue
		}
		unix.Kill(r.pid(sv), unix.SIGKILL)
	}
	s.waitFor(r, killGrace)
}

// servicePid reads the pid of the process a supervise runs.
func servicePid(sv *service, r role) int {
	for _, dir := range sv.dirs(r) {
		b, err := os.ReadFile(dir + "/" + svstatus.Status)
		if err != nil {
			continue
		}
		if rec, err := svstatus.Decode(b); err == nil {
			return rec.PID
		}
	}
	return 0
}

// waitFor reaps until no supervise of role r is left or d has passed.
func (s *scanner) waitFor(r role, d time.Duration) {
	end := time.Now().Add(d)
	for len(s.alive(r)) > 0 && time.Now().Before(end) {
		s.reap()
		s.collectGone()
		s.checkAdopted()
		s.tree.pump()
		time.Sleep(10 * time.Millisecond)
	}
}

// unreadBytes is FIONREAD (TIOCINQ): the bytes waiting in a pipe or FIFO.
// The kernel stores a C int; unix.IoctlGetInt hands it a Go int, whose
// high half it fills on a 64-bit big-endian machine (s390x: 5 bytes read
// as 5<<32), so the count is taken as 32 bits.
func unreadBytes(fd int) (int, error) {
	n, err := unix.IoctlGetUint32(fd, unix.TIOCINQ)
	return int(int32(n)), err
}
