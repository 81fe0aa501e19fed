package supervise

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// The extensions beyond 0.76 that s6 has too (down-signal, timeout-kill,
// finish, timeout-finish, the signal letters) are compared with Debian's
// s6-supervise (s6 2.11) on the same service directory layout: the same
// run and finish scripts record what reaches them, and the tests compare
// the records. Commands are written to supervise/control by hand, as
// s6-svc writes them; s6 spells WINCH y where our svc sends w. Our
// supervise runs them with restart-delay 0 (which s6 ignores): 0.76's
// pause after a start, deaf to commands, would delay every command sent
// within a second of a start, where s6 acts on it at once.

func s6Supervise(t *testing.T) string {
	return testkit.Installed(t, "/usr/bin/s6-supervise", "s6")
}

// program is one of the two supervise programs under comparison.
type program struct {
	name  string
	bin   string
	winch string // the control byte for WINCH
}

func bothSupervisors(t *testing.T) []program {
	return []program{{"s6", s6Supervise(t), "y"}, {"ours", ours(t), "w"}}
}

// startAny starts a supervisor on the service and waits until it reads
// its control FIFO (s6-supervise has no supervise/ok).
func (s *service) startAny(sup program) *service {
	s.t.Helper()
	if sup.name == "ours" {
		return s.start(sup.bin)
	}
	s.launch(sup.bin, "sv")
	testkit.Eventually(s.t, within, func() bool { return s.controlOpen() || s.exited() },
		"%s never opened %s/supervise/control", sup.bin, s.dir)
	if s.exited() {
		s.t.Fatalf("%s exited: %v; stderr %q", sup.bin, s.state, s.stderr())
	}
	return s
}

func (s *service) controlOpen() bool {
	fd, err := syscall.Open(filepath.Join(s.dir, svstatus.Control), syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	syscall.Close(fd)
	return true
}

// lines is the file's lines, empty when it is missing.
func (s *service) lines(name string) []string {
	return strings.Fields(strings.ReplaceAll(s.file(name), " ", "_"))
}

// waitLines waits until the file has at least n lines and returns them.
func (s *service) waitLines(name string, n int) []string {
	s.t.Helper()
	testkit.Eventually(s.t, within, func() bool { return len(s.lines(name)) >= n },
		"%s never had %d lines: %q; stderr %q", name, n, s.file(name), s.stderr())
	return s.lines(name)
}

// gone reports whether pid has exited (a zombie counts).
func gone(pid int) bool {
	p, ok := testkit.ReadProc(pid)
	return !ok || p.Gone()
}

// waitPid waits for a pid file written by a script and returns the pid.
func (s *service) waitPid(name string) int {
	s.t.Helper()
	var pid int
	testkit.Eventually(s.t, within, func() bool {
		var err error
		pid, err = strconv.Atoi(strings.TrimSpace(s.file(name)))
		return err == nil && pid > 0
	}, "no pid in %s", name)
	return pid
}

// signalLogger is a run script that logs, one line each, the signals it
// gets among those supervise sends, after writing its pid to ./pid once
// its traps are set.
const signalLogger = `for s in HUP INT QUIT USR1 USR2 TERM CONT WINCH ALRM; do trap "echo $s >> got" $s; done
echo $$ > pid
while :; do sleep 0.05; done`

// TestDownSignalLikeS6: d sends down-signal's signal (any of s6's
// spellings) instead of TERM, then CONT; a file naming no signal means
// TERM (and a warning), no file means TERM.
func TestDownSignalLikeS6(t *testing.T) {
	t.Parallel()
	for _, content := range []string{"", "HUP\n", "sigusr1", "12\n", "Quit", "WINCH", "bogus\n"} {
		var got [2][]string
		for i, sup := range bothSupervisors(t) {
			files := []string{fast}
			if content != "" {
				files = append(files, "down-signal="+content)
			}
			s := newService(t, signalLogger, files...).startAny(sup)
			s.waitPid("pid")
			s.send("d")
			lines := s.waitLines("got", 2)
			slices.Sort(lines)
			got[i] = lines
			if content == "bogus\n" && !strings.Contains(s.stderr(), "invalid") {
				t.Errorf("%s: down-signal %q: no warning: %q", sup.name, content, s.stderr())
			}
			s.send("k")
		}
		if !slices.Equal(got[0], got[1]) || !slices.Contains(got[1], "CONT") || len(got[1]) != 2 {
			t.Errorf("down-signal %q: s6 got %q, ours %q", content, got[0], got[1])
		}
	}
}

// TestSignalLettersLikeS6: q 1 2 w send QUIT, USR1, USR2 and WINCH, as
// s6-supervise's q 1 2 y do.
func TestSignalLettersLikeS6(t *testing.T) {
	t.Parallel()
	var got [2][]string
	for i, sup := range bothSupervisors(t) {
		s := newService(t, signalLogger, fast).startAny(sup)
		s.waitPid("pid")
		for n, c := range []string{"q", "1", "2", sup.winch} {
			s.send(c)
			s.waitLines("got", n+1)
		}
		got[i] = s.lines("got")
		s.send("k")
	}
	want := []string{"QUIT", "USR1", "USR2", "WINCH"}
	if !slices.Equal(got[0], want) || !slices.Equal(got[1], want) {
		t.Errorf("s6 got %q, ours %q, want %q", got[0], got[1], want)
	}
}

// diesAt returns a channel that gets the moment pid exits, seen through a
// pidfd (no polling of /proc: the moment is exact to the scheduling of
// this test).
func diesAt(t *testing.T, pid int) <-chan time.Time {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	at := make(chan time.Time, 1)
	go func() {
		defer unix.Close(fd)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			if n, err := unix.Poll(fds, -1); n > 0 || err != nil && err != unix.EINTR {
				at <- time.Now()
				return
			}
		}
	}()
	return at
}

// death waits for the moment on the channel of diesAt.
func death(t *testing.T, what string, at <-chan time.Time) time.Time {
	t.Helper()
	select {
	case when := <-at:
		return when
	case <-time.After(within):
		t.Fatalf("%s still alive after %v", what, within)
		return time.Time{}
	}
}

// timingTrials is how many times the timing tests stop a service under
// each supervise; they compare the quickest stop of each, the one least
// delayed by the load of the machine. maxTimingTrials bounds the trials
// added when that is not enough (moreTrials).
const (
	timingTrials    = 5
	maxTimingTrials = 20
)

// moreTrials reports whether a timing test runs another trial: always
// the first timingTrials; then, up to maxTimingTrials, while the two
// quickest stops are not within sameMoment and the trials show that the
// machine is loaded (a side's median more than sameMoment above its
// quickest). Under load the quickest of five stops is a poor estimate
// of either program (a loaded run saw s6's trials spread from 3 to 57
// ms, ours from 9 to 35), and more trials give each the quiet moments
// the comparison needs; on a quiet machine a difference fails at once.
func moreTrials(trial int, late [2][]time.Duration) bool {
	switch {
	case trial < timingTrials:
		return true
	case trial >= maxTimingTrials:
		return false
	}
	if d := slices.Min(late[1]) - slices.Min(late[0]); d >= -sameMoment && d <= sameMoment {
		return false
	}
	return spread(late[0]) > sameMoment || spread(late[1]) > sameMoment
}

// spread is how far the median of ds lies above its minimum.
func spread(ds []time.Duration) time.Duration {
	sorted := slices.Sorted(slices.Values(ds))
	return sorted[len(sorted)/2] - sorted[0]
}

// sameMoment is how far apart the two supervise programs' KILLs may be,
// each measured from the command that set it off.
const sameMoment = 5 * time.Millisecond

// compareLateness checks that every KILL came at or after its bound and
// within a second of it, and that the quickest of each supervise program
// are within sameMoment of each other.
func compareLateness(t *testing.T, what string, late [2][]time.Duration) {
	t.Helper()
	var best [2]time.Duration
	for i, name := range []string{"s6", "ours"} {
		for _, l := range late[i] {
			if l < 0 || l > time.Second {
				t.Errorf("%s: %s %v after its bound, want 0 to 1s: %v", name, what, l, late[i])
			}
		}
		best[i] = slices.Min(late[i])
	}
	if d := best[1] - best[0]; d < -sameMoment || d > sameMoment {
		t.Errorf("%s after its bound: s6 %v, ours %v at best, want the same within %v; all: s6 %v, ours %v",
			what, best[0], best[1], sameMoment, late[0], late[1])
	}
	t.Logf("%s after its bound, %d trials: s6 %v, ours %v", what, len(late[0]), late[0], late[1])
}

// TestTimeoutKillLikeS6: a service that ignores the down signal gets
// KILL timeout-kill milliseconds after d under both, at the same moment
// within sameMoment; ./finish then gets the same arguments. Both
// supervise programs run side by side and get their d together (in
// alternating order), so that the load of the machine falls on both.
func TestTimeoutKillLikeS6(t *testing.T) {
	t.Parallel()
	const timeout = 500 * time.Millisecond
	sups := bothSupervisors(t)
	var late [2][]time.Duration
	var finish [2]string
	for trial := 0; moreTrials(trial, late); trial++ {
		var svs [2]*service
		var dies [2]<-chan time.Time
		for i, sup := range sups {
			svs[i] = newService(t, `trap "" TERM; echo $$ > pid; exec sleep 1000`, "timeout-kill=500\n", fast,
				`finish=#!/bin/sh
echo "$1 $2 $3" >> finished
exit 125`)
			os.Chmod(filepath.Join(svs[i].dir, "finish"), 0o755)
			svs[i].startAny(sup)
		}
		for i, sup := range sups {
			pid := svs[i].waitPid("pid")
			testkit.Eventually(t, within, func() bool { return sleeping(pid) }, "%s: never exec'd sleep", sup.name)
			dies[i] = diesAt(t, pid)
		}
		var sent [2]time.Time
		for _, i := range [][]int{{0, 1}, {1, 0}}[trial%2] {
			sent[i] = time.Now()
			svs[i].send("d")
		}
		for i, sup := range sups {
			late[i] = append(late[i], death(t, sup.name+"'s ./run", dies[i]).Sub(sent[i])-timeout)
			finish[i] = svs[i].waitLines("finished", 1)[0]
		}
		if finish[0] != "256_9_sv" || finish[1] != finish[0] {
			t.Errorf("finish arguments: s6 %q, ours %q", finish[0], finish[1])
		}
		for i := range sups {
			svs[i].send("x")
			svs[i].kill()
		}
	}
	compareLateness(t, "KILL of timeout-kill", late)
}

// TestTimeoutKillNotPutOffByRepeatedDown: svscan's shutdown repeats "dx"
// every second; the KILL is timed from the first d. (s6-supervise times
// it from the last d, so this one is ours alone.)
func TestTimeoutKillNotPutOffByRepeatedDown(t *testing.T) {
	t.Parallel()
	s := newService(t, `trap "" TERM; echo $$ > pid; exec sleep 1000`, "timeout-kill=600", fast).start(ours(t))
	pid := s.waitPid("pid")
	testkit.Eventually(t, within, func() bool { return sleeping(pid) }, "never exec'd sleep")
	sent := time.Now()
	s.send("d")
	testkit.Eventually(t, within, func() bool {
		s.send("d")
		return gone(pid)
	}, "never killed")
	if took := time.Since(sent); took > 600*time.Millisecond+time.Second {
		t.Errorf("killed %v after the first d", took)
	}
}

// finishLogger logs its first three arguments (s6 2.11 gives three; the
// fourth, the process group, goes to ./finished, the last thing it
// does) and exits 125, keeping the service down, when ./stop exists.
const finishLogger = `finish=#!/bin/sh
echo "finish $1 $2 $3" >> log
code=0
if [ -e stop ]; then code=125; fi
echo "pgid=$4" >> finished
exit $code`

// TestFinishLikeS6: ./finish runs after every exit of ./run, before the
// restart, with the exit code or 256, the signal, and the service
// directory as supervise was given it; exit 125 keeps the service down.
func TestFinishLikeS6(t *testing.T) {
	t.Parallel()
	var logs [2][]string
	for i, sup := range bothSupervisors(t) {
		s := newService(t, `echo run >> log; if [ -e crash ]; then exit 3; fi; echo $$ >> pids; exec sleep 1000`, finishLogger, fast)
		os.Chmod(filepath.Join(s.dir, "finish"), 0o755)
		s.startAny(sup)
		s.waitLines("pids", 1)
		s.send("k") // killed: finish 256 9, restart
		s.waitLines("pids", 2)
		s.send("d") // TERM: finish 256 15, stays down
		s.waitLines("finished", 2)
		for _, f := range []string{"crash", "stop"} {
			os.WriteFile(filepath.Join(s.dir, f), nil, 0o644)
		}
		s.send("u") // exit 3: finish 3 0, exit 125: stays down
		s.waitLines("log", 6)
		wantDown := func() bool {
			if sup.name == "ours" {
				r, ok := s.status()
				return ok && r.Want == svstatus.WantDown && r.PID == 0
			}
			out, _ := exec.Command("s6-svstat", "-o", "up,wantedup", s.dir).Output()
			return string(out) == "false false\n"
		}
		testkit.Eventually(t, within, wantDown, "%s: not kept down after finish exited 125; log %q", sup.name, s.file("log"))
		logs[i] = s.lines("log")
		if sup.name == "ours" {
			pgrp := "pgid=" + strconv.Itoa(syscall.Getpgrp())
			if pgids := s.waitLines("finished", 3); !slices.Equal(pgids, []string{pgrp, pgrp, pgrp}) {
				t.Errorf("ours: finish's fourth arguments %q, want the process group %s", pgids, pgrp)
			}
		}
	}
	want := []string{"run", "finish_256_9_sv", "run", "finish_256_15_sv", "run", "finish_3_0_sv"}
	if !slices.Equal(logs[0], want) || !slices.Equal(logs[1], want) {
		t.Errorf("s6 %q\nours %q\nwant %q", logs[0], logs[1], want)
	}
}

// TestServiceDownWhileFinishRuns: supervise/status says down (pid 0,
// want up) while ./finish runs, for C svstat and ours alike, and ./run
// starts again only once ./finish has ended.
func TestServiceDownWhileFinishRuns(t *testing.T) {
	t.Parallel()
	s := newService(t, `echo run >> log; exec sleep 1000`, `finish=#!/bin/sh
echo finish >> log
while [ ! -e release ]; do sleep 0.02; done
echo finished >> log`, fast)
	os.Chmod(filepath.Join(s.dir, "finish"), 0o755)
	s.start(ours(t))
	up := s.waitUp()
	s.waitLines("log", 1) // a KILL before the echo would leave "run" out
	s.send("k")
	s.waitLines("log", 2)
	r := s.waitDown()
	if r.Want != svstatus.WantUp || r.Paused {
		t.Errorf("status while finish runs: %+v", r)
	}
	parent := filepath.Dir(s.dir)
	for _, bin := range []string{testkit.Oracle(t, "svstat"), testkit.Path("svstat")} {
		out, _ := run(t, parent, bin, "sv")
		if got := secondsDigits.ReplaceAllString(out, "x seconds"); got != "sv: down x seconds, normally up, want up\n" {
			t.Errorf("%s while finish runs: %q", bin, out)
		}
	}
	if n := len(s.lines("log")); n != 2 {
		t.Fatalf("log while finish runs: %q", s.file("log"))
	}
	os.WriteFile(filepath.Join(s.dir, "release"), nil, 0o644)
	s.waitNewPID(up.PID)
	if got := s.waitLines("log", 4); !slices.Equal(got, []string{"run", "finish", "finished", "run"}) {
		t.Errorf("log %q", got)
	}
}

// TestTimeoutFinishLikeS6: a ./finish that outlives timeout-finish gets
// KILL that many milliseconds after it was started, at the same moment
// under both within sameMoment, and ./run is started again after it.
// Each is timed from the t that ends ./run: what lies between is, under
// both, reading t, the TERM, reaping ./run and starting ./finish.
func TestTimeoutFinishLikeS6(t *testing.T) {
	t.Parallel()
	const timeout = 400 * time.Millisecond
	sups := bothSupervisors(t)
	var late [2][]time.Duration
	for trial := 0; moreTrials(trial, late); trial++ {
		var svs [2]*service
		for i, sup := range sups {
			svs[i] = newService(t, `echo $$ >> pids; exec sleep 1000`, "timeout-finish=400\n", fast, `finish=#!/bin/sh
echo $$ > finish.pid
exec sleep 1000`)
			os.Chmod(filepath.Join(svs[i].dir, "finish"), 0o755)
			svs[i].startAny(sup)
		}
		for i, sup := range sups {
			pid := svs[i].waitPid("pids")
			testkit.Eventually(t, within, func() bool { return sleeping(pid) }, "%s: never exec'd sleep", sup.name)
		}
		var sent [2]time.Time
		for _, i := range [][]int{{0, 1}, {1, 0}}[trial%2] {
			sent[i] = time.Now()
			svs[i].send("t")
		}
		var dies [2]<-chan time.Time
		for i := range sups {
			dies[i] = diesAt(t, svs[i].waitPid("finish.pid"))
		}
		for i, sup := range sups {
			late[i] = append(late[i], death(t, sup.name+"'s ./finish", dies[i]).Sub(sent[i])-timeout)
			svs[i].waitLines("pids", 2) // started again after it
			svs[i].send("dx")
			svs[i].kill()
		}
	}
	compareLateness(t, "KILL of timeout-finish", late)
}

// TestTimeoutFinishDefaultLikeS6: without timeout-finish, ./finish gets
// KILL after five seconds under both.
func TestTimeoutFinishDefaultLikeS6(t *testing.T) {
	t.Parallel()
	const timeout = 5 * time.Second
	sups := bothSupervisors(t)
	var svs [2]*service
	for i, sup := range sups {
		svs[i] = newService(t, `echo $$ >> pids; exec sleep 1000`, fast, `finish=#!/bin/sh
echo $$ > finish.pid
exec sleep 1000`)
		os.Chmod(filepath.Join(svs[i].dir, "finish"), 0o755)
		svs[i].startAny(sup)
	}
	for i, sup := range sups {
		pid := svs[i].waitPid("pids")
		testkit.Eventually(t, within, func() bool { return sleeping(pid) }, "%s: never exec'd sleep", sup.name)
	}
	var sent [2]time.Time
	for i := range sups {
		sent[i] = time.Now()
		svs[i].send("d")
	}
	var dies [2]<-chan time.Time
	for i := range sups {
		dies[i] = diesAt(t, svs[i].waitPid("finish.pid"))
	}
	var late [2]time.Duration
	for i, sup := range sups {
		late[i] = death(t, sup.name+"'s ./finish", dies[i]).Sub(sent[i]) - timeout
		if late[i] < 0 || late[i] > time.Second {
			t.Errorf("%s: ./finish killed %v after 5 s", sup.name, late[i])
		}
	}
	t.Logf("./finish killed after 5 s and: s6 %v, ours %v", late[0], late[1])
}
