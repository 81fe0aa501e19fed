package supervise

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

const sleeper = "exec sleep 1000"

// fast makes restarts immediate; tests that prove the one-second pause
// leave it out.
const fast = "restart-delay=0"

func TestUsageExactlyOneArgument(t *testing.T) {
	for _, args := range [][]string{nil, {"a", "b"}} {
		for _, bin := range []string{ours(t), theirs(t)} {
			out, code := run(t, t.TempDir(), bin, args...)
			if out != "supervise: usage: supervise dir\n" || code != 100 {
				t.Errorf("%s %q: %q exit %d", bin, args, out, code)
			}
		}
	}
}

func TestFatalStartupMessagesLikeC(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{"nonexistent", "file"} {
		want, wantCode := run(t, dir, theirs(t), arg)
		got, code := run(t, dir, ours(t), arg)
		if got != want || code != wantCode || code != 111 {
			t.Errorf("supervise %s: ours %q %d, C %q %d", arg, got, code, want, wantCode)
		}
	}
}

func TestSuperviseDirectoryFilesAndModes(t *testing.T) {
	s := newService(t, sleeper).start(ours(t))
	s.waitUp()
	want := map[string]os.FileMode{
		"supervise":         os.ModeDir | 0o700,
		"supervise/control": os.ModeNamedPipe | 0o600,
		"supervise/ok":      os.ModeNamedPipe | 0o600,
		"supervise/lock":    0o600,
		"supervise/status":  0o644,
		"supervise/state":   0o644, // beyond 0.76: the extended status (svstate)
	}
	for name, mode := range want {
		fi, err := os.Lstat(filepath.Join(s.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode(), mode)
		}
	}
	// The state follows each status, and the loop's first pair of writes
	// comes after the pause: wait for the .new files to be renamed.
	var ents []os.DirEntry
	testkit.Until(t, within, func() bool {
		ents, _ = os.ReadDir(filepath.Join(s.dir, "supervise"))
		return len(ents) == len(want)-1
	}, func() string {
		return fmt.Sprintf("supervise/ holds %v (status.new and state.new must not stay behind)", ents)
	})
	if fi, _ := os.Stat(filepath.Join(s.dir, svstatus.Status)); fi.Size() != svstatus.Size {
		t.Errorf("status is %d bytes", fi.Size())
	}
}

func TestDanglingSupervisePatchCreatesTarget(t *testing.T) {
	t.Parallel() // slow; overlaps with the 60-second fork test
	for _, bin := range []string{ours(t), theirs(t)} {
		s := newService(t, sleeper)
		target := filepath.Join(filepath.Dir(s.dir), "state")
		if err := os.Symlink(target, filepath.Join(s.dir, "supervise")); err != nil {
			t.Fatal(err)
		}
		s.start(bin)
		s.waitUp()
		if fi, err := os.Stat(target); err != nil || fi.Mode() != os.ModeDir|0o700 {
			t.Errorf("%s: symlink target %v %v", bin, fi, err)
		}
		s.send("dx")
		if code := s.exitStatus(); code != 0 {
			t.Errorf("%s: exit %d", bin, code)
		}
	}
}

func TestStatusRecordLayout(t *testing.T) {
	s := newService(t, sleeper).start(ours(t))
	up := s.waitUp()
	raw, _ := os.ReadFile(filepath.Join(s.dir, svstatus.Status))
	pid := int(raw[12]) | int(raw[13])<<8 | int(raw[14])<<16 | int(raw[15])<<24
	if pid != up.PID || !slices.Contains(children(s.pid()), pid) {
		t.Fatalf("little-endian pid %d is not supervise's child (%v)", pid, children(s.pid()))
	}
	if raw[16] != 0 || raw[17] != 'u' {
		t.Fatalf("paused/want bytes %d %q", raw[16], raw[17])
	}
	if raw[0] != 0x40 {
		t.Fatalf("TAI64 label does not start with 0x40: %x", raw[:12])
	}
	if d := time.Since(wallTime(up.When)); d < -time.Second || d > within {
		t.Fatalf("stamp %v is not now", wallTime(up.When))
	}

	// Pausing, continuing and "want down" keep the stamp: it moves only
	// when the pid does.
	s.send("p")
	p := s.waitStatus("paused", func(r svstatus.Record) bool { return r.Paused })
	s.send("c")
	c := s.waitStatus("continued", func(r svstatus.Record) bool { return !r.Paused })
	if p.When != up.When || c.When != up.When || p.PID != up.PID {
		t.Errorf("stamp moved without a pid change: %v %v %v", up.When, p.When, c.When)
	}
	s.send("d")
	down := s.waitDown()
	if down.Want != 'd' || down.Paused || down.When == up.When {
		t.Errorf("after d: %+v", down)
	}
}

func TestDownFileConsultedOnlyAtStart(t *testing.T) {
	s := newService(t, sleeper, "down=").start(ours(t))
	r := s.waitStatus("want down", func(r svstatus.Record) bool { return r.Want == 'd' })
	if r.PID != 0 || len(children(s.pid())) != 0 {
		t.Fatalf("started despite ./down: %+v", r)
	}
	// Removing ./down starts nothing: x makes supervise exit at once,
	// which it does only while the service is down.
	os.Remove(filepath.Join(s.dir, "down"))
	s.send("x")
	if code := s.exitStatus(); code != 0 {
		t.Fatalf("exit %d", code)
	}

	// Creating ./down later neither stops the service nor keeps it
	// from being restarted.
	s = newService(t, sleeper, fast).start(ours(t))
	up := s.waitUp()
	os.WriteFile(filepath.Join(s.dir, "down"), nil, 0o644)
	syscall.Kill(up.PID, syscall.SIGKILL)
	s.waitNewPID(up.PID)
}

func TestCommandUpDownOnce(t *testing.T) {
	s := newService(t, sleeper, fast).start(ours(t))
	up := s.waitUp()

	s.send("d")
	if r := s.waitDown(); r.Want != 'd' {
		t.Fatalf("d: %+v", r)
	}
	s.send("u")
	up2 := s.waitNewPID(up.PID)
	if up2.Want != 'u' {
		t.Fatalf("u: %+v", up2)
	}

	// o: want byte 0 while it runs; not restarted after it exits.
	s.send("o")
	o := s.waitStatus("want once", func(r svstatus.Record) bool { return r.Want == 0 })
	if o.PID != up2.PID {
		t.Fatalf("o restarted a running service: %+v", o)
	}
	s.send("k")
	s.waitDown()
	// o on a down service starts it, once.
	s.send("o")
	once := s.waitUp()
	s.send("k")
	if r := s.waitDown(); r.Want != 0 {
		t.Fatalf("after o and k: %+v", r)
	}
	// Not restarted: x makes supervise exit, which it does only while the
	// service is down.
	s.send("x")
	if code := s.exitStatus(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if r, _ := s.status(); r.PID != 0 || wallTime(r.When).Before(wallTime(once.When)) {
		t.Fatalf("final status %+v", r)
	}
}

// The run script records the signals it receives in ./got.
const recorder = `for sig in HUP ALRM INT; do trap "echo $sig >> got" $sig; done
trap 'echo TERM >> got; exit 0' TERM
trap 'echo CONT >> got' CONT
echo started >> got
while :; do sleep 0.05; done`

func TestCommandSignals(t *testing.T) {
	s := newService(t, recorder, fast).start(ours(t))
	up := s.waitUp()
	s.waitFile("got", "started")
	for _, c := range []struct{ cmd, sig string }{{"h", "HUP"}, {"a", "ALRM"}, {"i", "INT"}} {
		s.send(c.cmd)
		s.waitFile("got", c.sig)
	}
	if r, _ := s.status(); r.PID != up.PID {
		t.Fatalf("h a i restarted the service: %+v", r)
	}
	// t: TERM; the script exits and is restarted (still wanted up).
	s.send("t")
	s.waitFile("got", "TERM")
	up2 := s.waitNewPID(up.PID)
	// k: KILL, restarted too.
	s.send("k")
	s.waitNewPID(up2.PID)
}

func TestPauseStopsAndDownSendsTermThenCont(t *testing.T) {
	s := newService(t, recorder, fast).start(ours(t))
	up := s.waitUp()
	s.waitFile("got", "started")
	s.send("p")
	testkit.Eventually(t, within, func() bool { return procState(up.PID) == "T" }, "p did not stop pid %d", up.PID)
	if r, _ := s.status(); !r.Paused {
		t.Fatalf("p: paused flag not set: %+v", r)
	}
	s.send("c")
	testkit.Eventually(t, within, func() bool { return procState(up.PID) != "T" }, "c did not continue")
	s.waitFile("got", "CONT")

	// A paused service still gets the TERM of d, thanks to the CONT.
	os.WriteFile(filepath.Join(s.dir, "got"), nil, 0o644)
	s.send("p")
	testkit.Eventually(t, within, func() bool { return procState(up.PID) == "T" }, "p did not stop")
	s.send("d")
	down := s.waitDown()
	if down.Want != 'd' || down.Paused {
		t.Fatalf("d: %+v", down)
	}
	if got := s.file("got"); !strings.Contains(got, "TERM") {
		t.Fatalf("paused service did not get TERM: %q", got)
	}
}

func TestStartClearsPausedFlag(t *testing.T) {
	// p on a down service sets the flag, but the status shows it only
	// while a process runs, and a start clears it.
	s := newService(t, sleeper, "down=").start(ours(t))
	s.send("pu")
	if up := s.waitUp(); up.Paused {
		t.Fatalf("paused after start: %+v", up)
	}
	if st := procState(s.waitUp().PID); st == "T" {
		t.Fatal("the new process was stopped")
	}
}

func TestExitOnlyOnceDown(t *testing.T) {
	s := newService(t, sleeper, fast).start(ours(t))
	up := s.waitUp()
	s.send("xp") // p makes the handling of x visible
	s.waitStatus("paused", func(r svstatus.Record) bool { return r.Paused })
	if s.exited() || !s.ok() {
		t.Fatal("x alone made supervise exit while the service runs")
	}
	// After x the exit of the service is not followed by a restart.
	syscall.Kill(up.PID, syscall.SIGKILL)
	if code := s.exitStatus(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if r, _ := s.status(); r.PID != 0 || r.Want != 'u' {
		t.Fatalf("final status %+v", r)
	}
	if s.ok() {
		t.Fatal("supervise/ok still has a reader")
	}
}

func TestDownExitIdiom(t *testing.T) {
	s := newService(t, sleeper).start(ours(t))
	s.waitUp()
	s.send("dx")
	if code := s.exitStatus(); code != 0 {
		t.Fatalf("exit %d; stderr %q", code, s.stderr())
	}
	if r, _ := s.status(); r.PID != 0 || r.Want != 'd' {
		t.Fatalf("final status %+v", r)
	}
}

func TestOneSecondPauseAfterEachStart(t *testing.T) {
	t.Parallel() // slow; overlaps with the 60-second fork test
	// A command sent right after a start waits for the pause: the
	// service goes down no sooner than a second after it started.
	s := newService(t, sleeper).start(ours(t))
	up := s.waitUp()
	s.send("d")
	down := s.waitDown()
	if gap := wallTime(down.When).Sub(wallTime(up.When)); gap < time.Second {
		t.Fatalf("d took effect %v after the start, during the pause", gap)
	}

	// A run that exits at once is restarted about once a second.
	s = newService(t, "exit 0").start(ours(t))
	a := s.waitUp()
	b := s.waitNewPID(a.PID)
	if gap := wallTime(b.When).Sub(wallTime(a.When)); gap < time.Second {
		t.Fatalf("restarted %v after the previous start", gap)
	}
}

func TestRestartDelayFile(t *testing.T) {
	t.Parallel() // slow; overlaps with the 60-second fork test
	for _, c := range []struct {
		content  string
		min, max time.Duration
	}{
		{"0\n", 0, 900 * time.Millisecond},
		{"300", 300 * time.Millisecond, 900 * time.Millisecond},
		{"bogus\n", time.Second, 0},
		{"-5", time.Second, 0},
	} {
		s := newService(t, "exit 0", "restart-delay="+c.content).start(ours(t))
		// The smallest of a few gaps, so that a loaded machine can only
		// make the upper bound harder to meet, not the lower one.
		a := s.waitUp()
		least := time.Hour
		for range 3 {
			b := s.waitNewPID(a.PID)
			least = min(least, wallTime(b.When).Sub(wallTime(a.When)))
			a = b
		}
		if least < c.min || (c.max > 0 && least > c.max) {
			t.Errorf("restart-delay %q: gap %v, want [%v, %v]", c.content, least, c.min, c.max)
		}
		s.send("dx")
		s.exitStatus()
	}
}

func TestMissingRunRetried(t *testing.T) {
	s := newService(t, "", "restart-delay=100").start(ours(t))
	line := "supervise: fatal: unable to start sv/run: file does not exist\n"
	testkit.Eventually(t, within, func() bool { return strings.Count(s.stderr(), line) >= 3 },
		"stderr %q", s.stderr())
	if strings.ReplaceAll(s.stderr(), line, "") != "" {
		t.Fatalf("unexpected output %q", s.stderr())
	}
	// As in 0.76 the failing child shows as up until it is reaped.
	s.waitUp()
	if s.exited() {
		t.Fatal("supervise gave up")
	}
}

func TestNonExecutableRunRetried(t *testing.T) {
	s := newService(t, "", "restart-delay=100", "run=#!/bin/sh\n").start(ours(t))
	line := "supervise: fatal: unable to start sv/run: access denied\n"
	testkit.Eventually(t, within, func() bool { return strings.Count(s.stderr(), line) >= 2 },
		"stderr %q", s.stderr())
}

func TestMissingRunLikeC(t *testing.T) {
	t.Parallel() // slow; overlaps with the 60-second fork test
	// With the default pause, C and ours print the same line about once
	// a second.
	for _, bin := range []string{ours(t), theirs(t)} {
		s := newService(t, "").start(bin)
		line := "supervise: fatal: unable to start sv/run: file does not exist\n"
		testkit.Eventually(t, within, func() bool { return strings.Count(s.stderr(), line) >= 2 },
			"%s: stderr %q", bin, s.stderr())
		s.send("dx")
		s.exitStatus()
	}
}

func TestSecondSuperviseRefused(t *testing.T) {
	s := newService(t, sleeper).start(ours(t))
	up := s.waitUp()
	out, code := run(t, filepath.Dir(s.dir), ours(t), "sv")
	if out != "supervise: fatal: unable to acquire sv/supervise/lock: temporary failure\n" || code != 111 {
		t.Fatalf("second supervise: %q exit %d", out, code)
	}
	if r, _ := s.status(); r.PID != up.PID || s.exited() || !s.ok() {
		t.Fatalf("first supervise disturbed: %+v", r)
	}
}

func TestLockExcludesCSupervise(t *testing.T) {
	for _, order := range [][2]string{{ours(t), theirs(t)}, {theirs(t), ours(t)}} {
		s := newService(t, sleeper).start(order[0])
		up := s.waitUp()
		out, code := run(t, filepath.Dir(s.dir), order[1], "sv")
		if out != "supervise: fatal: unable to acquire sv/supervise/lock: temporary failure\n" || code != 111 {
			t.Errorf("%s after %s: %q exit %d", order[1], order[0], out, code)
		}
		if r, _ := s.status(); r.PID != up.PID || s.exited() {
			t.Errorf("%s disturbed by %s: %+v", order[0], order[1], r)
		}
	}
}

func TestServiceGetsOnlyStandardDescriptorsArgvAndEnvironment(t *testing.T) {
	s := newService(t, `echo "$0 $#" > args; env > env; `+sleeper).start(ours(t))
	up := s.waitUp()
	s.waitFile("env", "SVTEST=1")
	// Look once the script has exec'd sleep and sleep sleeps (sh itself
	// uses descriptors 10 and up for its redirections, the dynamic loader
	// one for each library it maps).
	testkit.Eventually(t, within, func() bool { return sleeping(up.PID) }, "service never sleeps")
	if fds := openFDs(t, up.PID); !slices.Equal(fds, []string{"0", "1", "2"}) {
		t.Errorf("service has descriptors %v", fds)
	}
	if got := s.file("args"); got != "./run 0\n" {
		t.Errorf("argv: %q", got)
	}
	env := strings.Fields(s.file("env"))
	slices.Sort(env)
	// sh adds PWD; everything else comes from supervise's environment.
	env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "PWD=") })
	if !slices.Equal(env, []string{"PATH=/usr/bin:/bin", "SVTEST=1"}) {
		t.Errorf("environment %q", env)
	}
	// supervise's own descriptors: 0-2, lock, control twice, ok, pidfd.
	if fds := heldFDs(t, s.pid(), s.dir); len(fds) != 8 {
		t.Errorf("supervise holds %d descriptors: %v", len(fds), fds)
	}
}

func TestServiceSignalStateLikeC(t *testing.T) {
	var got [2][3]string
	for i, bin := range []string{ours(t), theirs(t)} {
		s := newService(t, sleeper).start(bin)
		up := s.waitUp()
		testkit.Eventually(t, within, func() bool { return sleeping(up.PID) }, "service never sleeps")
		got[i] = [3]string{procStatus(up.PID, "SigBlk"), procStatus(up.PID, "SigIgn"), procStatus(up.PID, "SigCgt")}
	}
	if got[0] != got[1] {
		t.Errorf("signal mask/ignored/caught: ours %v, C %v", got[0], got[1])
	}
	zero := "0000000000000000"
	if got[0][0] != zero || got[0][2] != zero {
		t.Errorf("service has blocked or caught signals: %v", got[0])
	}
	if self := procStatus(os.Getpid(), "SigIgn"); self == zero && got[0][1] != zero {
		t.Errorf("service ignores signals: %v", got[0])
	}
}

func TestFatalSignalsKillSuperviseNotService(t *testing.T) {
	ignored, _ := strconv.ParseUint(procStatus(os.Getpid(), "SigIgn"), 16, 64)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT, syscall.SIGUSR1, syscall.SIGALRM, syscall.SIGPIPE} {
		if ignored&(1<<(sig-1)) != 0 {
			continue // inherited "ignore": kept by C and by us
		}
		s := newService(t, sleeper).start(ours(t))
		up := s.waitUp()
		syscall.Kill(s.pid(), sig)
		s.exitStatus()
		ws := s.state.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != sig {
			t.Errorf("%v: supervise ended with %v", sig, ws)
		}
		if syscall.Kill(up.PID, 0) != nil {
			t.Errorf("%v: the service died with supervise", sig)
		}
	}
}

func TestGarbageOnControlIgnored(t *testing.T) {
	t.Parallel() // slow; overlaps with the 60-second fork test
	s := newService(t, sleeper).start(ours(t))
	up := s.waitUp()
	rss := kB(s.pid(), "RssAnon")
	fds := len(heldFDs(t, s.pid(), s.dir))

	// Every byte value that is not a command (0.76's, or the signal
	// letters q 1 2 w we added), then a megabyte of them.
	var junk []byte
	for b := range 256 {
		if !strings.ContainsRune("udopchaitkx"+"q12w", rune(b)) {
			junk = append(junk, byte(b))
		}
	}
	s.send(string(junk))
	f, err := os.OpenFile(filepath.Join(s.dir, svstatus.Control), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	size := 1 << 20
	if testing.Short() {
		size = 256 << 10
	}
	big := make([]byte, size)
	for i := range big {
		big[i] = junk[i%len(junk)]
	}
	if _, err := f.Write(big); err != nil { // blocks until supervise drained most of it
		t.Fatal(err)
	}
	f.Close()
	s.send("p")
	r := s.waitStatus("paused", func(r svstatus.Record) bool { return r.Paused })
	if r.PID != up.PID || r.Want != 'u' || r.When != up.When {
		t.Fatalf("garbage changed the service: %+v -> %+v", up, r)
	}
	if n := len(heldFDs(t, s.pid(), s.dir)); n != fds {
		t.Errorf("descriptors %d -> %d", fds, n)
	}
	if after := kB(s.pid(), "RssAnon"); after > rss+64 {
		t.Errorf("RssAnon %d kB -> %d kB", rss, after)
	}
	if s.stderr() != "" {
		t.Errorf("output: %q", s.stderr())
	}
}

// TestForkFailureWarnsSleepsAndRetries makes fork fail with EAGAIN by
// putting supervise in a pids cgroup that is full. 0.76 warns and sleeps
// 60 seconds; Debian's patch then tries again. The test waits for that
// retry (after the limit is lifted), so it runs in parallel with the
// others.
func TestForkFailureWarnsSleepsAndRetries(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 60-second retry")
	}
	t.Parallel()
	for name, bin := range map[string]string{"ours": ours(t), "C": theirs(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newService(t, sleeper, "down=").start(bin)
			cg := pidsCgroup(t, s)
			cg.write("cgroup.procs", strconv.Itoa(s.pid()))
			cg.write("pids.max", strings.TrimSpace(cg.read("pids.current")))
			s.send("u")
			want := "supervise: warning: unable to fork for sv, sleeping 60 seconds: temporary failure\n"
			testkit.Eventually(t, within, func() bool { return s.stderr() == want }, "stderr %q", s.stderr())
			cg.write("pids.max", "max")
			if r, _ := s.status(); r.PID != 0 || r.Want != 'u' {
				t.Fatalf("status during the sleep: %+v", r)
			}
			testkit.Eventually(t, 2*time.Minute, func() bool { r, ok := s.status(); return ok && r.PID != 0 },
				"no retry after the sleep; stderr %q", s.stderr())
			if s.stderr() != want {
				t.Errorf("stderr %q", s.stderr())
			}
		})
	}
}

// cgroup is a pids cgroup made for one test.
type cgroup string

// pidsCgroup makes a pids cgroup (v1, or v2 with the pids controller)
// that is removed, with everything in it killed, when the test ends; the
// test is skipped where that is not possible.
func pidsCgroup(t *testing.T, s *service) cgroup {
	name := "dtgo-" + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(s.pid())
	for _, base := range []string{"/sys/fs/cgroup/pids", "/sys/fs/cgroup"} {
		dir := filepath.Join(base, name)
		if os.Mkdir(dir, 0o755) != nil {
			continue
		}
		t.Cleanup(func() {
			s.kill()
			testkit.Poll(within, func() bool { return strings.TrimSpace(cgroup(dir).read("cgroup.procs")) == "" })
			os.Remove(dir)
		})
		if _, err := os.Stat(filepath.Join(dir, "pids.max")); err == nil {
			return cgroup(dir)
		}
	}
	t.Skip("no pids cgroup to make fork fail")
	return ""
}

func (c cgroup) read(name string) string {
	b, _ := os.ReadFile(filepath.Join(string(c), name))
	return string(b)
}

func (c cgroup) write(name, value string) {
	if err := os.WriteFile(filepath.Join(string(c), name), []byte(value), 0o644); err != nil {
		panic(err)
	}
}

func TestServiceEnvironmentKeepsGOMAXPROCS(t *testing.T) {
	// supervise runs itself with GOMAXPROCS=1, but the service gets the
	// environment supervise was given.
	for _, given := range [][]string{
		{"PATH=/usr/bin:/bin"},
		{"GODEBUG=panicnil=1", "GOMAXPROCS=4", "PATH=/usr/bin:/bin"},
	} {
		s := newService(t, `env > env; `+sleeper)
		s.env = given
		s.start(ours(t))
		s.waitUp()
		s.waitFile("env", "PATH=")
		env := strings.Fields(s.file("env"))
		env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "PWD=") })
		slices.Sort(env)
		if !slices.Equal(env, given) {
			t.Errorf("supervise given %q: service got %q", given, env)
		}
		own, _ := os.ReadFile("/proc/" + strconv.Itoa(s.pid()) + "/environ")
		kv := strings.Split(string(own), "\x00")
		if !slices.Contains(kv, "GOMAXPROCS=1") {
			t.Errorf("supervise did not re-execute itself with one P: %q", own)
		}
	}
}

func TestStatusWriteWarningsLikeC(t *testing.T) {
	t.Parallel() // slow; overlaps with the 60-second fork test
	// A directory in the way of status.new, or of status, makes every
	// status write fail with a warning. The number of warnings shows that
	// ours writes the status exactly as often as the C program does.
	for _, blocker := range []string{"status.new", "status"} {
		var outs [2]string
		for i, bin := range []string{ours(t), theirs(t)} {
			s := newService(t, sleeper)
			if err := os.MkdirAll(filepath.Join(s.dir, "supervise", blocker), 0o700); err != nil {
				t.Fatal(err)
			}
			s.start(bin)
			testkit.Eventually(t, within, func() bool { return len(children(s.pid())) == 1 }, "no service")
			s.send("dx")
			if code := s.exitStatus(); code != 0 {
				t.Errorf("%s: exit %d", bin, code)
			}
			outs[i] = s.stderr()
		}
		if outs[0] != outs[1] {
			t.Errorf("%s in the way:\n ours %q\n    C %q", blocker, outs[0], outs[1])
		}
		if n := strings.Count(outs[0], "\n"); n != 7 {
			t.Errorf("%s in the way: %d warnings: %q", blocker, n, outs[0])
		}
	}
}

func TestOverlongSuperviseSymlinkLikeC(t *testing.T) {
	// Debian's patch reads the link into a 256-byte buffer; a longer
	// target is fatal, with a message that lacks the program prefix.
	var outs [2]string
	for i, bin := range []string{ours(t), theirs(t)} {
		s := newService(t, sleeper)
		if err := os.Symlink(strings.Repeat("x/", 150), filepath.Join(s.dir, "supervise")); err != nil {
			t.Fatal(err)
		}
		var code int
		outs[i], code = run(t, filepath.Dir(s.dir), bin, "sv")
		if code != 111 {
			t.Errorf("%s: exit %d", bin, code)
		}
	}
	if outs[0] != outs[1] || outs[0] != "unable to readlink ./supervise: unknown error\n" {
		t.Errorf("ours %q, C %q", outs[0], outs[1])
	}
}

// The service gets the limit on open files that supervise was started
// with, as from the C supervise, although Go raises its own soft limit to
// the hard one at start-up.
func TestServiceGetsTheStartingNofileLimit(t *testing.T) {
	for _, bin := range []string{theirs(t), ours(t)} {
		s := newService(t, `{ ulimit -Sn; ulimit -Hn; } > limit.new && mv limit.new limit; exec sleep 1000`)
		s.launchCmd(exec.Command("prlimit", "--nofile=1024:4096", bin, "sv"))
		s.waitFile("limit", "1024\n4096\n")
	}
}
