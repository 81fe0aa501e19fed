package svwait

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/svstate"
	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/tai64"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m, "svwait", "supervise", "setlock") }

const within = 20 * time.Second

// A waiter is a running svwait.
type waiter struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr bytes.Buffer
	done   chan struct{}
	code   int
}

func startWait(t *testing.T, prog string, args ...string) *waiter {
	t.Helper()
	w := &waiter{t: t, cmd: exec.Command(prog, args...), done: make(chan struct{})}
	w.cmd.Stderr = &w.stderr
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		w.code = exitCode(w.cmd.Wait())
		close(w.done)
	}()
	t.Cleanup(func() {
		w.cmd.Process.Kill()
		<-w.done
	})
	return w
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -2
	}
	return 0
}

// result waits for the exit and returns the code and stderr.
func (w *waiter) result() (int, string) {
	w.t.Helper()
	select {
	case <-w.done:
		return w.code, w.stderr.String()
	case <-time.After(within):
		w.t.Fatalf("%v still waiting after %v", w.cmd.Args, within)
	}
	return 0, ""
}

// running reports whether it has not exited yet.
func (w *waiter) running() bool {
	select {
	case <-w.done:
		return false
	default:
		return true
	}
}

func run(t *testing.T, prog string, args ...string) (int, string) {
	t.Helper()
	return startWait(t, prog, args...).result()
}

func svwait() string { return testkit.Path("svwait") }

// serviceDir makes a service directory whose ./run sleeps.
func serviceDir(t *testing.T, root, name string, down bool) string {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	testkit.WriteScript(t, filepath.Join(dir, "run"), "#!/bin/sh\nexec sleep 1000\n")
	if down {
		if err := os.WriteFile(filepath.Join(dir, "down"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startSupervise runs a supervise (ours, Debian's or s6's) on dir in a
// session of its own and waits until it holds supervise/lock and has
// written its status.
func startSupervise(t *testing.T, bin, dir string) int {
	t.Helper()
	cmd := exec.Command(bin, dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait()
	testkit.Eventually(t, within, func() bool {
		pid, _ := svstatus.LockHolder(filepath.Join(dir, svstatus.Lock))
		_, err := os.Stat(filepath.Join(dir, svstatus.Status))
		return pid == cmd.Process.Pid && err == nil
	}, "%s never took %s/supervise/lock", bin, dir)
	return cmd.Process.Pid
}

// waitUp waits until a supervise's status shows ./run started: 0.76's
// 18 bytes, or s6 2.11's 35 (the pid, big-endian, at bytes 24-31); for
// our supervise, supervise/state too (written just after the status, it
// is what svwait reads).
func waitUp(t *testing.T, dir string) {
	t.Helper()
	testkit.Eventually(t, within, func() bool {
		holder, _ := svstatus.LockHolder(filepath.Join(dir, svstatus.Lock))
		if exe, _ := os.Readlink("/proc/" + itoa(holder) + "/exe"); exe == testkit.Path("supervise") {
			st, err := svstate.Read(dir)
			if err != nil || st.State != svstate.Up {
				return false
			}
		}
		b, _ := os.ReadFile(filepath.Join(dir, svstatus.Status))
		if len(b) == 35 {
			return binary.BigEndian.Uint64(b[24:32]) != 0
		}
		r, err := svstatus.Decode(b)
		return err == nil && r.PID != 0
	}, "%s never came up", dir)
}

// fakeSupervise stands in for a supervise of ours that writes
// supervise/state: setlock holds supervise/lock (as a supervise does) and
// the test writes status and state. It returns the holder's pid.
func fakeSupervise(t *testing.T, dir string) int {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "supervise"), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testkit.Path("setlock"), filepath.Join(dir, svstatus.Lock), "sleep", "1000")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait()
	testkit.Eventually(t, within, func() bool {
		pid, _ := svstatus.LockHolder(filepath.Join(dir, svstatus.Lock))
		return pid == cmd.Process.Pid
	}, "setlock never took %s/supervise/lock", dir)
	return cmd.Process.Pid
}

// writeFiles writes status (0.76's view of st) and then state, each
// through a rename, as supervise does.
func writeFiles(t *testing.T, dir string, st svstate.State) {
	t.Helper()
	want := map[string]byte{svstate.WantUp: svstatus.WantUp, svstate.WantDown: svstatus.WantDown}[st.Want]
	rec := svstatus.Record{When: st.Since, PID: st.PID, Paused: st.Paused, Want: want}
	b := rec.Encode()
	replace(t, filepath.Join(dir, svstatus.Status), b[:])
	replace(t, filepath.Join(dir, svstate.File), st.AppendEncode(nil))
}

func replace(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path+".new", b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

// upState is a state of ours: up (pid 4242, started starts times), ready
// or not.
func upState(supervisor int, starts uint64, ready bool) svstate.State {
	now := tai64.Now()
	st := svstate.State{Supervisor: supervisor, State: svstate.Up, Want: svstate.WantUp,
		PID: 4242 + int(starts), PGID: 4242 + int(starts), Since: now, NotificationFD: 3, Starts: starts, ExitCode: -1}
	if ready {
		st.Ready = now
	}
	return st
}

func downState(supervisor int, starts uint64, state string) svstate.State {
	st := svstate.State{Supervisor: supervisor, State: state, Want: svstate.WantDown,
		Since: tai64.Now(), NotificationFD: 3, Starts: starts, ExitCode: 0}
	if state == svstate.Finishing {
		st.FinishPID = 4343
	}
	return st
}

func TestUsageAndTimeoutLikeS6(t *testing.T) {
	s6 := testkit.Installed(t, "/usr/bin/s6-svwait", "s6")
	root := t.TempDir()
	dir := serviceDir(t, root, "a", true)
	s6dir := serviceDir(t, root, "s6a", true)
	testkit.KillAllAtCleanup(t, []string{root})
	startSupervise(t, testkit.Oracle(t, "supervise"), dir)
	startSupervise(t, "/usr/bin/s6-supervise", s6dir)
	for _, c := range []struct {
		args []string
		code int
		ours string // the start of our message
	}{
		{nil, 100, "svwait: usage: svwait [ -U | -u | -d | -D | -r | -R ] [ -a | -o ] [ -t timeout ] dir ...\n"},
		{[]string{"-u"}, 100, "svwait: usage: "},
		{[]string{"-z", "D"}, 100, "svwait: illegal option -- z\nsvwait: usage: "},
		{[]string{"-t", "x", "D"}, 100, "svwait: usage: "},
		{[]string{"-t", "-5", "D"}, 100, "svwait: usage: "},
		{[]string{"-t", "4294967296", "D"}, 100, "svwait: usage: "},
		{[]string{"-t", "200", "-u", "D"}, 99, "svwait: fatal: timed out\n"},
		{[]string{"-t200", "-U", "D"}, 99, "svwait: fatal: timed out\n"},
		{[]string{"-t", "200", "-o", "-r", "D", "D"}, 99, "svwait: fatal: timed out\n"},
		{[]string{"-t", "0", "-d", "D"}, 0, ""},
		{[]string{"-D", "D"}, 0, ""},
		{[]string{"-t", "200", "-u", filepath.Join(root, "none")}, 111, "svwait: fatal: unable to watch "},
	} {
		ourArgs := subst(c.args, dir)
		code, msg := run(t, svwait(), ourArgs...)
		if code != c.code || !strings.HasPrefix(msg, c.ours) {
			t.Errorf("svwait %q: exit %d %q, want %d %q...", ourArgs, code, msg, c.code, c.ours)
		}
		s6Args := subst(c.args, s6dir)
		if code, msg := run(t, s6, s6Args...); code != c.code {
			t.Errorf("s6-svwait %q: exit %d %q, want %d", s6Args, code, msg, c.code)
		}
	}
}

// subst replaces the operand D by dir.
func subst(args []string, dir string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		if a == "D" {
			out[i] = dir
		}
	}
	return out
}

// settled waits until a waiter is asleep in poll(2) with everything set up:
// for ours, a watch on each directory and on each supervise/ there is; for
// s6-svwait, its subscription in each event/ (made before it
// reads the status files). Then a change cannot come too early for it.
func (w *waiter) settled(dirs ...string) {
	w.t.Helper()
	pid := w.cmd.Process.Pid
	s6 := strings.HasSuffix(w.cmd.Path, "s6-svwait")
	testkit.Eventually(w.t, within, func() bool {
		if !w.running() {
			w.t.Fatalf("%v exited %d before the change: %q", w.cmd.Args, w.code, w.stderr.String())
		}
		if !inPoll(pid) {
			return false
		}
		if s6 {
			for _, d := range dirs {
				ents, _ := os.ReadDir(filepath.Join(d, "event"))
				if len(ents) == 0 {
					return false
				}
			}
			return true
		}
		want := len(dirs)
		for _, d := range dirs {
			if fi, err := os.Stat(filepath.Join(d, "supervise")); err == nil && fi.IsDir() {
				want++
			}
		}
		return inotifyWatches(pid) >= want
	}, "%v never settled", w.cmd.Args)
}

// inPoll reports whether one of the process's threads sleeps in poll(2)
// or ppoll(2) (a Go program may poll on any of its threads; epoll, where
// Go's runtime waits, sleeps elsewhere).
func inPoll(pid int) bool {
	tasks, _ := os.ReadDir("/proc/" + itoa(pid) + "/task")
	for _, task := range tasks {
		wchan, _ := os.ReadFile("/proc/" + itoa(pid) + "/task/" + task.Name() + "/wchan")
		if strings.HasPrefix(string(wchan), "poll_schedule_timeout") {
			return true
		}
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }

// inotifyWatches counts the watches of a process's inotify descriptors.
func inotifyWatches(pid int) int {
	n := 0
	ents, _ := os.ReadDir("/proc/" + itoa(pid) + "/fdinfo")
	for _, e := range ents {
		b, _ := os.ReadFile("/proc/" + itoa(pid) + "/fdinfo/" + e.Name())
		n += strings.Count(string(b), "inotify wd:")
	}
	return n
}

// TestSuperviseDiedLikeS6: s6-svwait exits with the number of services
// whose supervise died while they were waited on short of the goal; one
// whose goal was met first counts as reached.
func TestSuperviseDiedLikeS6(t *testing.T) {
	testkit.Installed(t, "/usr/bin/s6-svwait", "s6")
	type kit struct{ name, wait, supervise, svc string }
	kits := []kit{
		{"s6", "/usr/bin/s6-svwait", "/usr/bin/s6-supervise", "/usr/bin/s6-svc"},
		{"ours on C", svwait(), testkit.Oracle(t, "supervise"), testkit.Oracle(t, "svc")},
		{"ours on ours", svwait(), testkit.Path("supervise"), testkit.Oracle(t, "svc")},
	}
	for _, c := range []struct {
		name string
		args []string
		down bool // services normally down
		code int
		// atOnce: the waiter is stopped until both supervises are gone,
		// so that it sees the two deaths in one wake-up.
		atOnce bool
	}{
		{"-a -u, both die down", []string{"-u"}, true, 2, false},
		{"-o -u, both die down", []string{"-o", "-u"}, true, 1, false},
		{"-o -u, both die down at once", []string{"-o", "-u"}, true, 1, true},
		{"-a -u, both die down at once", []string{"-u"}, true, 2, true},
		// (Not -a -d: s6-svwait counts a supervise that exits after its
		// service is down and finished as a failure. svwait(8) says so.)
		{"-o -d, both taken down and die", []string{"-o", "-d"}, false, 0, false},
	} {
		for _, k := range kits {
			root := t.TempDir()
			a, b := serviceDir(t, root, "a", c.down), serviceDir(t, root, "b", c.down)
			testkit.KillAllAtCleanup(t, []string{root})
			pids := []int{startSupervise(t, k.supervise, a), startSupervise(t, k.supervise, b)}
			if !c.down {
				waitUp(t, a)
				waitUp(t, b)
			}
			w := startWait(t, k.wait, append(c.args, a, b)...)
			w.settled(a, b)
			if c.atOnce {
				w.cmd.Process.Signal(syscall.SIGSTOP)
			}
			for _, d := range []string{a, b} {
				if out, err := exec.Command(k.svc, "-dx", d).CombinedOutput(); err != nil {
					t.Fatalf("%s -dx %s: %v %s", k.svc, d, err, out)
				}
			}
			if c.atOnce {
				testkit.Eventually(t, within, func() bool {
					return syscall.Kill(pids[0], 0) == syscall.ESRCH && syscall.Kill(pids[1], 0) == syscall.ESRCH
				}, "%s: the supervises never exited", k.name)
				w.cmd.Process.Signal(syscall.SIGCONT)
			}
			if code, msg := w.result(); code != c.code {
				t.Errorf("%s: %s: exit %d %q, want %d", k.name, c.name, code, msg, c.code)
			}
			testkit.KillAll(t, []string{root})
		}
	}
}

// TestOnCSupervise: on Debian's supervise's directories (no
// supervise/state) up is ready and down is finished; -r wants a new start.
func TestOnCSupervise(t *testing.T) {
	svc := testkit.Oracle(t, "svc")
	root := t.TempDir()
	dir := serviceDir(t, root, "a", true)
	testkit.KillAllAtCleanup(t, []string{root})
	startSupervise(t, testkit.Oracle(t, "supervise"), dir)
	expectTimeout := func(args ...string) {
		t.Helper()
		if code, msg := run(t, svwait(), append([]string{"-t", "300"}, append(args, dir)...)...); code != 99 {
			t.Errorf("svwait %q: exit %d %q, want 99", args, code, msg)
		}
	}
	step := func(opt, cmd string) {
		t.Helper()
		w := startWait(t, svwait(), opt, dir)
		w.settled(dir)
		if out, err := exec.Command(svc, cmd, dir).CombinedOutput(); err != nil {
			t.Fatalf("svc %s: %v %s", cmd, err, out)
		}
		if code, msg := w.result(); code != 0 {
			t.Errorf("svwait %s then svc %s: exit %d %q", opt, cmd, code, msg)
		}
	}
	expectTimeout("-u")
	expectTimeout("-U")
	step("-U", "-u")
	expectTimeout("-d")
	expectTimeout("-r")
	step("-r", "-k")
	step("-R", "-t")
	step("-D", "-d")
	expectTimeout("-r") // down, and nothing starts it
	step("-r", "-u")
}

// TestBeforeSupervise: a service whose supervise/ does not exist yet, or
// whose supervise is not running (a status left by one that is gone), is
// waited on until a supervise runs; a status left down counts as down.
func TestBeforeSupervise(t *testing.T) {
	for _, sup := range []struct{ name, bin string }{
		{"C", testkit.Oracle(t, "supervise")}, {"ours", testkit.Path("supervise")},
	} {
		t.Run(sup.name, func(t *testing.T) {
			root := t.TempDir()
			dir := serviceDir(t, root, "a", false)
			testkit.KillAllAtCleanup(t, []string{root})
			w := startWait(t, svwait(), "-U", dir)
			w.settled(dir)
			startSupervise(t, sup.bin, dir)
			if code, msg := w.result(); code != 0 {
				t.Fatalf("exit %d %q", code, msg)
			}
			// Left up by a supervise killed with SIGKILL: not trusted.
			testkit.KillAll(t, []string{root})
			if code, _ := run(t, svwait(), "-t", "300", "-u", dir); code != 99 {
				t.Errorf("stale up status, -u: exit %d, want 99", code)
			}
			if code, _ := run(t, svwait(), "-t", "300", "-d", dir); code != 99 {
				t.Errorf("stale up status, -d: exit %d, want 99", code)
			}
			w = startWait(t, svwait(), "-u", dir)
			w.settled(dir)
			startSupervise(t, sup.bin, dir)
			if code, msg := w.result(); code != 0 {
				t.Fatalf("restarted supervise: exit %d %q", code, msg)
			}
			// Left down by a supervise told to exit: down.
			if out, err := exec.Command(testkit.Oracle(t, "svc"), "-dx", dir).CombinedOutput(); err != nil {
				t.Fatalf("svc -dx: %v %s", err, out)
			}
			testkit.Eventually(t, within, func() bool {
				pid, _ := svstatus.LockHolder(filepath.Join(dir, svstatus.Lock))
				return pid == 0
			}, "supervise never exited")
			if code, msg := run(t, svwait(), "-t", "5000", "-D", dir); code != 0 {
				t.Errorf("status left down, -D: exit %d %q", code, msg)
			}
		})
	}
}

// TestExtendedState: on a directory with supervise/state (written here
// by hand; a setlock holds the lock as supervise would), -U wants ready=,
// -D wants state=down (not finishing), -r and -R a higher starts=.
func TestExtendedState(t *testing.T) {
	root := t.TempDir()
	dir := serviceDir(t, root, "a", false)
	testkit.KillAllAtCleanup(t, []string{root})
	sup := fakeSupervise(t, dir)
	expect := func(code int, args ...string) {
		t.Helper()
		if got, msg := run(t, svwait(), append([]string{"-t", "300"}, append(args, dir)...)...); got != code {
			t.Errorf("svwait %q: exit %d %q, want %d", args, got, msg, code)
		}
	}
	change := func(opt string, st svstate.State) {
		t.Helper()
		w := startWait(t, svwait(), opt, dir)
		w.settled(dir)
		writeFiles(t, dir, st)
		if code, msg := w.result(); code != 0 {
			t.Errorf("svwait %s then %+v: exit %d %q", opt, st, code, msg)
		}
	}
	writeFiles(t, dir, upState(sup, 3, false))
	expect(0, "-u")
	expect(99, "-U")
	expect(99, "-r")
	change("-U", upState(sup, 3, true))
	expect(99, "-R")
	change("-r", upState(sup, 4, false))
	change("-R", upState(sup, 5, true))

	writeFiles(t, dir, downState(sup, 5, svstate.Finishing))
	expect(0, "-d")
	expect(99, "-D")
	change("-D", downState(sup, 5, svstate.Down))

	// A rewrite with nothing new does not end a wait for a restart.
	w := startWait(t, svwait(), "-t", "2000", "-R", dir)
	w.settled(dir)
	writeFiles(t, dir, upState(sup, 5, true))
	if code, _ := w.result(); code != 99 {
		t.Errorf("-R with starts unchanged: exit %d, want 99", code)
	}

	// A state file another supervise wrote is not believed: the 0.76
	// status decides.
	stale := upState(sup+1, 6, true)
	writeFiles(t, dir, stale)
	down := svstatus.Record{When: tai64.Now(), Want: svstatus.WantDown}.Encode()
	replace(t, filepath.Join(dir, svstatus.Status), down[:])
	expect(99, "-u")
	expect(0, "-D")
}

// TestSuperviseDies: a supervise that dies while a service is waited on
// short of its goal ends the wait with exit 1 and a warning.
func TestSuperviseDies(t *testing.T) {
	root := t.TempDir()
	dir := serviceDir(t, root, "a", false)
	testkit.KillAllAtCleanup(t, []string{root})
	sup := fakeSupervise(t, dir)
	writeFiles(t, dir, upState(sup, 1, false))
	w := startWait(t, svwait(), "-U", dir)
	w.settled(dir)
	syscall.Kill(sup, syscall.SIGKILL)
	code, msg := w.result()
	if code != 1 || msg != "svwait: warning: supervise died in "+dir+"\n" {
		t.Errorf("exit %d %q, want 1 and the warning", code, msg)
	}
}

// TestNoProcessLeftBehind: svwait leaves the close of its inotify
// descriptor to a child of its own (linger.go), which must be gone soon
// after svwait exits and must not keep svwait's standard output open.
func TestNoProcessLeftBehind(t *testing.T) {
	root := t.TempDir()
	dir := serviceDir(t, root, "a", true)
	testkit.KillAllAtCleanup(t, []string{root})
	startSupervise(t, testkit.Path("supervise"), dir)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(svwait(), "-d", dir)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		t.Fatalf("svwait -d on a down service: %v", err)
	}
	w.Close()
	// The pipe ends once svwait and its child have let go of it.
	eof := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); eof <- b }()
	select {
	case b := <-eof:
		if len(b) != 0 {
			t.Errorf("output %q", b)
		}
	case <-time.After(within):
		t.Fatal("svwait's standard output is still open after its exit")
	}
	// No process with svwait's command line remains.
	testkit.Eventually(t, within, func() bool { return len(withCmdline(svwait()+"\x00-d\x00"+dir+"\x00")) == 0 },
		"a process with svwait's command line is left: %v", withCmdline(svwait()+"\x00-d\x00"+dir+"\x00"))
}

// withCmdline lists the processes whose /proc/PID/cmdline is cmdline.
func withCmdline(cmdline string) []string {
	var pids []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline"); err == nil && string(b) == cmdline {
			pids = append(pids, e.Name())
		}
	}
	return pids
}
