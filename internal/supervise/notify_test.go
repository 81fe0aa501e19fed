package supervise

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svstate"
	"github.com/daemontools-go/daemontools/internal/tai64"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// readiness (notification-fd) and supervise/state.

// state reads supervise/state.
func (s *service) extState() (svstate.State, error) { return svstate.Read(s.dir) }

// waitState polls supervise/state until cond holds and returns it.
func (s *service) waitState(what string, cond func(svstate.State) bool) svstate.State {
	s.t.Helper()
	var st svstate.State
	var err error
	testkit.Until(s.t, within, func() bool {
		st, err = s.extState()
		return err == nil && cond(st)
	}, func() string {
		return fmt.Sprintf("state never showed %s; last %+v (%v); stderr %q", what, st, err, s.stderr())
	})
	return st
}

// notifyPipes lists the pipes among pid's descriptors.
func notifyPipes(t *testing.T, pid int) []string {
	var pipes []string
	for _, fd := range openFDs(t, pid) {
		l, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + fd)
		if strings.HasPrefix(l, "pipe:") {
			pipes = append(pipes, fd+" "+l)
		}
	}
	return pipes
}

// readyWhenTold is a run script that waits for a file named go, then
// writes a newline on descriptor 3 and keeps running.
const readyWhenTold = `echo $$ > pid
while [ ! -e go ]; do sleep 0.02; done
echo >&3
exec sleep 1000`

// TestNotificationFDMakesReady: with notification-fd, the service is up
// but not ready until ./run writes a newline on the descriptor; then
// ready= is when supervise read it, and supervise has closed its end.
// Nothing in the 18-byte status changes meanwhile.
func TestNotificationFDMakesReady(t *testing.T) {
	t.Parallel()
	s := newService(t, readyWhenTold, fast, "notification-fd=3\n").start(ours(t))
	st := s.waitState("up", func(st svstate.State) bool { return st.State == svstate.Up })
	if st.Ready != (tai64.N{}) || st.NotificationFD != 3 || st.IsReady() {
		t.Fatalf("ready before the newline: %+v", st)
	}
	if len(notifyPipes(t, s.pid())) != 1 {
		t.Fatalf("supervise holds no notification pipe: %q", notifyPipes(t, s.pid()))
	}
	before, _ := s.status()
	told := tai64.Now()
	os.WriteFile(filepath.Join(s.dir, "go"), nil, 0o644)
	st = s.waitState("ready", isReady)
	if wallTime(st.Ready).Before(wallTime(told)) || wallTime(st.Ready).Before(wallTime(st.Since)) {
		t.Errorf("ready %v before the newline could be written (%v) or the start (%v)", wallTime(st.Ready), wallTime(told), wallTime(st.Since))
	}
	if after, _ := s.status(); after != before {
		t.Errorf("status changed on readiness: %+v, then %+v", before, after)
	}
	testkit.Eventually(t, within, func() bool { return len(notifyPipes(t, s.pid())) == 0 },
		"supervise kept its end of the pipe: %q", notifyPipes(t, s.pid()))
	if fds := openFDs(t, s.waitPid("pid")); !slices.Contains(fds, "3") {
		t.Errorf("./run's descriptors %q lack 3", fds)
	}
}

// TestWithoutNotificationFDReadyWhenUp: without the file the service is
// ready from its start, and ./run gets no descriptor beyond 0.76's.
func TestWithoutNotificationFDReadyWhenUp(t *testing.T) {
	t.Parallel()
	s := newService(t, "echo $$ > pid; exec sleep 1000", fast).start(ours(t))
	st := s.waitState("up", func(st svstate.State) bool { return st.State == svstate.Up })
	if st.Ready != st.Since || !st.IsReady() || st.NotificationFD != -1 {
		t.Errorf("without notification-fd: %+v, want ready since the start", st)
	}
	pid := s.waitPid("pid")
	testkit.Eventually(t, within, func() bool { return sleeping(pid) }, "never exec'd sleep")
	if fds := openFDs(t, pid); !slices.Equal(fds, []string{"0", "1", "2"}) {
		t.Errorf("./run's descriptors %q, want 0 1 2", fds)
	}
	if p := notifyPipes(t, s.pid()); len(p) != 0 {
		t.Errorf("supervise holds pipes %q", p)
	}
}

// TestNotificationClosedWithoutNewline: ./run closing the descriptor
// without a newline leaves the service up and not ready; supervise lets
// its end go.
func TestNotificationClosedWithoutNewline(t *testing.T) {
	t.Parallel()
	s := newService(t, "printf almost >&3; exec 3>&-; echo $$ > pid; exec sleep 1000", fast, "notification-fd=3").start(ours(t))
	s.waitPid("pid")
	testkit.Eventually(t, within, func() bool { return len(notifyPipes(t, s.pid())) == 0 },
		"supervise kept its end of the pipe: %q", notifyPipes(t, s.pid()))
	if st, err := s.extState(); err != nil || st.State != svstate.Up || st.Ready != (tai64.N{}) {
		t.Errorf("after a close without newline: %+v %v", st, err)
	}
}

// TestReadinessEndsWithTheRun: each start begins not ready; a newline of
// the next run makes it ready again. The state counts the starts and
// says how the last run ended.
func TestReadinessEndsWithTheRun(t *testing.T) {
	t.Parallel()
	s := newService(t, readyWhenTold, fast, "notification-fd=3").start(ours(t))
	os.WriteFile(filepath.Join(s.dir, "go"), nil, 0o644)
	first := s.waitState("ready", isReady)
	os.Remove(filepath.Join(s.dir, "go"))
	unix.Kill(first.PID, unix.SIGKILL)
	st := s.waitState("a second run", func(st svstate.State) bool { return st.State == svstate.Up && st.PID != first.PID })
	if st.Ready != (tai64.N{}) || st.Starts != first.Starts+1 || st.ExitCode != -1 || st.Signal != int(unix.SIGKILL) ||
		st.Exited == (tai64.N{}) || wallTime(st.Exited).After(wallTime(st.Since)) {
		t.Errorf("after KILL: %+v (first run %+v)", st, first)
	}
	os.WriteFile(filepath.Join(s.dir, "go"), nil, 0o644)
	s.waitState("ready again", func(st svstate.State) bool { return st.IsReady() && st.PID != first.PID })
}

// TestReadyDuringThePauseAfterAStart: supervise deafens itself to
// commands for a second after each start, as 0.76 does, but not to the
// notification: a service ready within that second is ready when it says
// so, not at the end of the pause.
func TestReadyDuringThePauseAfterAStart(t *testing.T) {
	t.Parallel()
	s := newService(t, "sleep 0.2; echo >&3; exec sleep 1000", "notification-fd=3").start(ours(t))
	st := s.waitState("ready", isReady)
	if d := wallTime(st.Ready).Sub(wallTime(st.Since)); d < 200*time.Millisecond || d > 900*time.Millisecond {
		t.Errorf("ready %v after the start, want 200 ms and a little more (the pause is 1 s)", d)
	}
}

// procStat is /proc/PID/stat, for the messages of failed tests.
func procStat(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return string(b)
}

// TestStateKeys: the keys beside readiness, as ./run and ./finish go.
func TestStateKeys(t *testing.T) {
	t.Parallel()
	s := newService(t, "echo $$ > pid; [ -e fail ] && exit 3; exec sleep 1000", fast, "new-session=",
		"finish=#!/bin/sh\nwhile [ ! -e finished ]; do sleep 0.02; done\n")
	os.Chmod(filepath.Join(s.dir, "finish"), 0o755)
	s.start(ours(t))
	st := s.waitState("up", func(st svstate.State) bool { return st.State == svstate.Up })
	if st.Supervisor != s.pid() || st.PGID != st.PID || st.Want != svstate.WantUp || st.Starts != 1 ||
		st.ExitCode != -1 || st.Signal != 0 || st.Exited != (tai64.N{}) || st.FinishPID != 0 || st.Paused {
		t.Errorf("first start: %+v; supervise %d, /proc/%d/stat now %q, supervise's %q", st, s.pid(), st.PID, procStat(st.PID), procStat(s.pid()))
	}
	// ./run has looked for ./fail once it sleeps.
	testkit.Eventually(t, within, func() bool { return sleeping(st.PID) }, "./run never sleeps")
	s.send("p")
	s.waitState("paused", func(st svstate.State) bool { return st.Paused })
	s.send("c")
	os.WriteFile(filepath.Join(s.dir, "fail"), nil, 0o644)
	s.send("t")
	st = s.waitState("finishing", func(st svstate.State) bool { return st.State == svstate.Finishing })
	if st.PID != 0 || st.PGID != 0 || st.FinishPID == 0 || st.Signal != int(unix.SIGTERM) || st.ExitCode != -1 || st.Ready != (tai64.N{}) {
		t.Errorf("finishing: %+v", st)
	}
	if r, _ := s.status(); r.PID != 0 {
		t.Errorf("status while finishing: %+v, want down", r)
	}
	s.send("d") // taken while ./finish runs, before it ends
	s.waitState("want down while finishing", func(st svstate.State) bool {
		return st.State == svstate.Finishing && st.Want == svstate.WantDown
	})
	os.WriteFile(filepath.Join(s.dir, "finished"), nil, 0o644)
	st = s.waitState("down", func(st svstate.State) bool { return st.State == svstate.Down })
	if st.Want != svstate.WantDown || st.FinishPID != 0 || wallTime(st.Since).Before(wallTime(st.Exited)) {
		t.Errorf("down: %+v", st)
	}
	os.Remove(filepath.Join(s.dir, "finished"))
	s.send("o")
	st = s.waitState("exit 3 and finish", func(st svstate.State) bool { return st.ExitCode == 3 && st.FinishPID != 0 })
	if st.Want != svstate.WantOnce || st.Signal != 0 || st.Starts != 2 {
		t.Errorf("after exit 3: %+v", st)
	}
}

// TestStateFollowsEveryStatus: every write of supervise/status is
// followed by one of supervise/state, before the next status (inotify
// sees the renames in order); readiness writes the state alone. (The
// renames are read step by step: inotify merges two identical events in
// a row, such as two renames to state.)
func TestStateFollowsEveryStatus(t *testing.T) {
	t.Parallel()
	s := newService(t, readyWhenTold, fast, "notification-fd=3")
	os.Mkdir(filepath.Join(s.dir, "supervise"), 0o700)
	in, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(in)
	if _, err := unix.InotifyAddWatch(in, filepath.Join(s.dir, "supervise"), unix.IN_MOVED_TO); err != nil {
		t.Fatal(err)
	}
	// renames returns the names renamed to once there are n of them.
	renames := func(n int) string {
		var names []string
		buf := make([]byte, 64*1024)
		testkit.Poll(within, func() bool {
			for {
				m, err := unix.Read(in, buf)
				if m <= 0 || err != nil {
					break
				}
				for off := 0; off < m; {
					ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
					name := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
					names = append(names, strings.TrimRight(string(name), "\x00"))
					off += unix.SizeofInotifyEvent + int(ev.Len)
				}
			}
			return len(names) >= n
		})
		return strings.Join(names, " ")
	}
	s.start(ours(t))
	// setUp, the start, the loop's first announce.
	if got, want := renames(6), "status state status state status state"; got != want {
		t.Errorf("start: renames %q, want %q", got, want)
	}
	os.WriteFile(filepath.Join(s.dir, "go"), nil, 0o644)
	s.waitState("ready", isReady)
	if got, want := renames(1), "state"; got != want {
		t.Errorf("readiness: renames %q, want %q", got, want)
	}
	// p, c, d, then the exit: the status, then the state once no
	// ./finish is started.
	s.send("pcd")
	if got, want := renames(8), "status state status state status state status state"; got != want {
		t.Errorf("p, c, d and the exit: renames %q, want %q", got, want)
	}
	if st, err := s.extState(); err != nil || st.State != svstate.Down || st.Paused || st.Want != svstate.WantDown {
		t.Errorf("at the end: %+v %v", st, err)
	}
}

// TestNotificationFDBeyondTheLimit: a descriptor number the child cannot
// have fails the start the way a run that cannot be exec'd does: the
// child says why and exits 111.
func TestNotificationFDBeyondTheLimit(t *testing.T) {
	t.Parallel()
	s := newService(t, "exec sleep 1000", "notification-fd=99999999", "restart-delay=100").start(ours(t))
	testkit.Eventually(t, within, func() bool { return strings.Contains(s.stderr(), "unable to start sv/run: file descriptor not open") },
		"no message; stderr %q", s.stderr())
	st := s.waitState("the exit of a failed start", func(st svstate.State) bool { return st.ExitCode == 111 })
	if st.NotificationFD != 99999999 {
		t.Errorf("%+v", st)
	}
}

// TestCToolsOnNotifyingService: the C svstat, svok and svc work on a
// service with notification-fd as on any other; C and our svstat print
// the same.
func TestCToolsOnNotifyingService(t *testing.T) {
	t.Parallel()
	cSvstat := testkit.Oracle(t, "svstat")
	s := newService(t, readyWhenTold, fast, "notification-fd=3").start(ours(t))
	s.waitState("up", func(st svstate.State) bool { return st.State == svstate.Up })
	os.WriteFile(filepath.Join(s.dir, "go"), nil, 0o644)
	s.waitState("ready", isReady)
	parent := filepath.Dir(s.dir)
	// (Seconds masked: the two calls may fall either side of a second.)
	c, cc := run(t, parent, cSvstat, "sv")
	o, oc := run(t, parent, testkit.Path("svstat"), "sv")
	c, o = secondsDigits.ReplaceAllString(c, "x seconds"), secondsDigits.ReplaceAllString(o, "x seconds")
	if c != o || cc != oc || !strings.HasPrefix(c, "sv: up (pid ") {
		t.Errorf("C svstat %q (%d), ours %q (%d)", c, cc, o, oc)
	}
	if out, code := run(t, parent, testkit.Oracle(t, "svok"), "sv"); code != 0 {
		t.Errorf("C svok: %d %q", code, out)
	}
	if out, code := run(t, parent, testkit.Oracle(t, "svc"), "-d", "sv"); code != 0 {
		t.Errorf("C svc -d: %d %q", code, out)
	}
	s.waitDown()
	s.waitState("down", func(st svstate.State) bool { return st.State == svstate.Down && st.Want == svstate.WantDown })
	c, _ = run(t, parent, cSvstat, "sv")
	o, _ = run(t, parent, testkit.Path("svstat"), "sv")
	c, o = secondsDigits.ReplaceAllString(c, "x seconds"), secondsDigits.ReplaceAllString(o, "x seconds")
	if c != o || !strings.Contains(c, "down") {
		t.Errorf("C svstat %q, ours %q", c, o)
	}
}

func isReady(st svstate.State) bool { return st.IsReady() }
