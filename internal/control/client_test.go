package control_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/tai64"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// result is what a program run leaves behind.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
}

// run runs bin with args in dir.
func run(t *testing.T, dir, bin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := testkit.ExitCode(t, cmd.Run())
	return result{out.String(), errb.String(), code}
}

var pidAndSeconds = regexp.MustCompile(`\(pid [0-9]+\) [0-9]+ seconds|down [0-9]+ seconds`)

// mask hides the pid and the seconds, which legitimately differ between
// two runs a moment apart.
func mask(s string) string {
	return pidAndSeconds.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "down") {
			return "down S seconds"
		}
		return "(pid P) S seconds"
	})
}

// same runs ours and the C build of prog with the same arguments in dir
// and fails unless stdout, stderr and the exit code agree (after masking
// pids and seconds).
func same(t *testing.T, dir, prog string, args ...string) result {
	t.Helper()
	c := run(t, dir, testkit.Oracle(t, prog), args...)
	ours := run(t, dir, testkit.Path(prog), args...)
	c.stdout, c.stderr = mask(c.stdout), mask(c.stderr)
	ours.stdout, ours.stderr = mask(ours.stdout), mask(ours.stderr)
	if c != ours {
		t.Errorf("%s %q in %s:\n ours %v\n    C %v", prog, args, dir, ours, c)
	}
	return ours
}

// fakeSupervise makes dir/supervise with the two FIFOs and holds both open
// for reading, as a running supervise does, so that status files can be
// crafted byte by byte. It returns the control FIFO's reading end.
func fakeSupervise(t *testing.T, dir string) *os.File {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "supervise"), 0o700); err != nil {
		t.Fatal(err)
	}
	var control *os.File
	for _, name := range []string{svstatus.Control, svstatus.OK} {
		p := filepath.Join(dir, name)
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		if name == svstatus.Control {
			control = f
		}
	}
	return control
}

func writeStatus(t *testing.T, dir string, rec svstatus.Record) {
	t.Helper()
	b := rec.Encode()
	if err := os.WriteFile(filepath.Join(dir, svstatus.Status), b[:], 0o644); err != nil {
		t.Fatal(err)
	}
}

// drain reads what is queued in a control FIFO.
func drain(t *testing.T, f *os.File) string {
	t.Helper()
	buf := make([]byte, 100)
	n, err := syscall.Read(int(f.Fd()), buf)
	if err == syscall.EAGAIN {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

func TestSvcUsageOnBadOption(t *testing.T) {
	r := same(t, t.TempDir(), "svc", "-dz", "x")
	want := "svc: illegal option -- z\nsvc options: u up, d down, o once, x exit, p pause, c continue, h hup, a alarm, i interrupt, t term, k kill\n"
	if r.code != 100 || r.stderr != want {
		t.Errorf("got %v", r)
	}
}

func TestSvcNoDirectoriesDoesNothing(t *testing.T) {
	for _, args := range [][]string{nil, {"-u"}, {"--"}} {
		if r := same(t, t.TempDir(), "svc", args...); r != (result{}) {
			t.Errorf("svc %q: %v", args, r)
		}
	}
}

func TestSvcEachLetterOnceInFirstOccurrenceOrder(t *testing.T) {
	dir := t.TempDir()
	control := fakeSupervise(t, filepath.Join(dir, "s"))
	for _, c := range []struct{ args, want string }{
		{"-dx", "dx"},
		{"-d -d", "d"},
		{"-xdxu -d -x -pchaitko", "xdupchaitko"},
		{"-u --", "u"},
		{"", ""},
	} {
		args := append(strings.Fields(c.args), "s")
		for _, bin := range []string{testkit.Oracle(t, "svc"), testkit.Path("svc")} {
			if r := run(t, dir, bin, args...); r != (result{}) {
				t.Errorf("%s %q: %v", bin, args, r)
			}
			if got := drain(t, control); got != c.want {
				t.Errorf("%s %q wrote %q, want %q", bin, args, got, c.want)
			}
		}
	}
}

// TestSvcReturnsToOriginalDirectory: relative operands are all relative to
// the starting directory, also after a failing one.
func TestSvcReturnsToOriginalDirectory(t *testing.T) {
	dir := t.TempDir()
	a := fakeSupervise(t, filepath.Join(dir, "a"))
	b := fakeSupervise(t, filepath.Join(dir, "a", "b"))
	for _, bin := range []string{testkit.Oracle(t, "svc"), testkit.Path("svc")} {
		r := run(t, dir, bin, "-t", "a", "missing", "a/b", "a")
		wantErr := "svc: warning: unable to chdir to missing: file does not exist\n"
		if r.code != 0 || r.stdout != "" || r.stderr != wantErr {
			t.Errorf("%s: %v", bin, r)
		}
		if got := drain(t, a); got != "tt" {
			t.Errorf("%s: a got %q", bin, got)
		}
		if got := drain(t, b); got != "t" {
			t.Errorf("%s: a/b got %q", bin, got)
		}
	}
}

func TestSvcPerDirectoryWarnings(t *testing.T) {
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "nosupervise"), 0o755))
	// Stale: the FIFO exists but nobody reads it.
	must(t, os.MkdirAll(filepath.Join(dir, "stale", "supervise"), 0o700))
	must(t, syscall.Mkfifo(filepath.Join(dir, "stale", svstatus.Control), 0o600))
	// A control "FIFO" that refuses writes.
	must(t, os.MkdirAll(filepath.Join(dir, "full", "supervise"), 0o700))
	must(t, os.Symlink("/dev/full", filepath.Join(dir, "full", svstatus.Control)))
	must(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o644))
	r := same(t, dir, "svc", "-u", "missing", "nosupervise", "stale", "full", "file")
	want := "svc: warning: unable to chdir to missing: file does not exist\n" +
		"svc: warning: unable to control nosupervise: file does not exist\n" +
		"svc: warning: unable to control stale: supervise not running\n" +
		"svc: warning: error writing commands to full: out of disk space\n" +
		"svc: warning: unable to chdir to file: not a directory\n"
	if r.code != 0 || r.stderr != want {
		t.Errorf("got %v", r)
	}
}

func TestSvokExitCodes(t *testing.T) {
	dir := t.TempDir()
	fakeSupervise(t, filepath.Join(dir, "running"))
	must(t, os.MkdirAll(filepath.Join(dir, "stale", "supervise"), 0o700))
	must(t, syscall.Mkfifo(filepath.Join(dir, "stale", svstatus.OK), 0o600))
	must(t, os.MkdirAll(filepath.Join(dir, "nosupervise"), 0o755))
	must(t, os.MkdirAll(filepath.Join(dir, "okdir", "supervise", "ok"), 0o755))
	cases := []struct {
		args   []string
		code   int
		stderr string
	}{
		{nil, 100, "svok: usage: svok dir\n"},
		{[]string{"running"}, 0, ""},
		{[]string{"running", "ignored", "-x"}, 0, ""},
		{[]string{"stale"}, 100, ""},
		{[]string{"nosupervise"}, 100, ""},
		{[]string{"missing"}, 111, "svok: fatal: unable to chdir to missing: file does not exist\n"},
		{[]string{"-x"}, 111, "svok: fatal: unable to chdir to -x: file does not exist\n"},
		{[]string{"okdir"}, 111, "svok: fatal: unable to open okdir/supervise/ok: is a directory\n"},
	}
	for _, c := range cases {
		r := same(t, dir, "svok", c.args...)
		if r.code != c.code || r.stderr != c.stderr || r.stdout != "" {
			t.Errorf("svok %q: %v", c.args, r)
		}
	}
}

func TestSvstatNoArgumentsPrintsNothing(t *testing.T) {
	if r := same(t, t.TempDir(), "svstat"); r != (result{}) {
		t.Errorf("got %v", r)
	}
}

// TestSvstatErrorsOnStdoutExitZero covers every error line 0.76 prints.
func TestSvstatErrorsOnStdoutExitZero(t *testing.T) {
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "nosupervise"), 0o755))
	must(t, os.MkdirAll(filepath.Join(dir, "stale", "supervise"), 0o700))
	must(t, syscall.Mkfifo(filepath.Join(dir, "stale", svstatus.OK), 0o600))
	fakeSupervise(t, filepath.Join(dir, "nostatus"))
	fakeSupervise(t, filepath.Join(dir, "short"))
	must(t, os.WriteFile(filepath.Join(dir, "short", svstatus.Status), []byte("0123456789"), 0o644))
	fakeSupervise(t, filepath.Join(dir, "loop"))
	must(t, os.Symlink("down", filepath.Join(dir, "loop", "down")))
	must(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o644))
	r := same(t, dir, "svstat", "missing", "file", "nosupervise", "stale", "nostatus", "short", "loop", "-x")
	want := "missing: unable to chdir: file does not exist\n" +
		"file: unable to chdir: not a directory\n" +
		"nosupervise: unable to open supervise/ok: file does not exist\n" +
		"stale: supervise not running\n" +
		"nostatus: unable to open supervise/status: file does not exist\n" +
		"short: unable to read supervise/status: bad format\n" +
		"loop: unable to stat down: symbolic link loop\n" +
		"-x: unable to chdir: file does not exist\n"
	if r.code != 0 || r.stderr != "" || r.stdout != want {
		t.Errorf("got %v", r)
	}
}

// TestSvstatSuffixOrder runs every combination of pid, paused flag, want
// byte and down file through both svstats. The stamp is in the future, so
// both must print exactly "0 seconds" and nothing is masked.
func TestSvstatSuffixOrder(t *testing.T) {
	dir := t.TempDir()
	s := filepath.Join(dir, "s")
	fakeSupervise(t, s)
	future := tai64.N{Sec: tai64.Now().Sec + 1000*3600}
	for _, pid := range []int{0, 4321} {
		for _, paused := range []bool{false, true} {
			for _, want := range []byte{'u', 'd', 0, 'x'} {
				for _, down := range []bool{false, true} {
					writeStatus(t, s, svstatus.Record{When: future, PID: pid, Paused: paused, Want: want})
					os.Remove(filepath.Join(s, "down"))
					if down {
						must(t, os.WriteFile(filepath.Join(s, "down"), nil, 0o644))
					}
					c := run(t, dir, testkit.Oracle(t, "svstat"), "s")
					ours := run(t, dir, testkit.Path("svstat"), "s")
					if c != ours {
						t.Errorf("pid %d paused %v want %q down %v:\n ours %v\n    C %v", pid, paused, want, down, ours, c)
					}
				}
			}
		}
	}
}

// TestSvstatZeroStampLikeC: a zeroed status record gives the same huge
// figure as 0.76, which computes the age in floating point.
func TestSvstatZeroStampLikeC(t *testing.T) {
	dir := t.TempDir()
	fakeSupervise(t, filepath.Join(dir, "s"))
	writeStatus(t, filepath.Join(dir, "s"), svstatus.Record{})
	// The figure is rounded to a float64 and so stable for minutes.
	ok := testkit.Poll(10*time.Second, func() bool {
		return run(t, dir, testkit.Oracle(t, "svstat"), "s") == run(t, dir, testkit.Path("svstat"), "s")
	})
	if !ok {
		t.Errorf("ours %v, C %v", run(t, dir, testkit.Path("svstat"), "s"), run(t, dir, testkit.Oracle(t, "svstat"), "s"))
	}
}

// TestSvstatOneSecondsPlural: a stamp one second old reads "1 seconds" in
// both builds (retried while the clock ticks between the two runs).
func TestSvstatOneSecondsPlural(t *testing.T) {
	dir := t.TempDir()
	fakeSupervise(t, filepath.Join(dir, "s"))
	// The age must be read within the second: not possible where our
	// svstat alone takes half of it to start (under qemu-user emulation,
	// scripts/emulated-tests.sh, it takes seconds).
	start := time.Now()
	run(t, dir, testkit.Path("svstat"), "s")
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Skipf("svstat takes %v to run here: too slow to catch an age of 1 second", took)
	}
	var c, ours result
	ok := testkit.Poll(20*time.Second, func() bool {
		writeStatus(t, filepath.Join(dir, "s"), svstatus.Record{When: tai64.N{Sec: tai64.Now().Sec - 1}, Want: 'd'})
		c = run(t, dir, testkit.Oracle(t, "svstat"), "s")
		ours = run(t, dir, testkit.Path("svstat"), "s")
		return c == ours && c.stdout == "s: down 1 seconds, normally up\n"
	})
	if !ok {
		t.Errorf("ours %v, C %v", ours, c)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCwdUnreadableIsFatal: svc and svstat open "." first; when that
// fails (here: user nobody in a directory it may enter but not read) both
// die with 111, before looking at any operand.
func TestCwdUnreadableIsFatal(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run the programs as nobody")
	}
	dir := t.TempDir()
	must(t, os.Chmod(filepath.Dir(dir), 0o711))
	must(t, os.Chmod(dir, 0o711))
	for prog, want := range map[string]string{
		"svc":    "svc: fatal: unable to open current directory: access denied\n",
		"svstat": "svstat: fatal: unable to open current directory: access denied\n",
	} {
		// testkit's build directory is private: nobody runs a copy.
		ours := filepath.Join(filepath.Dir(dir), prog)
		b, err := os.ReadFile(testkit.Path(prog))
		must(t, err)
		must(t, os.WriteFile(ours, b, 0o755))
		for _, bin := range []string{testkit.Oracle(t, prog), ours} {
			cmd := exec.Command(bin, "x")
			cmd.Dir = dir
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 111 || errb.String() != want || out.Len() != 0 {
				t.Errorf("%s: %v, stdout %q, stderr %q", bin, err, out.String(), errb.String())
			}
		}
	}
}

func TestSvstatReturnsToOriginalDirectory(t *testing.T) {
	dir := t.TempDir()
	fakeSupervise(t, filepath.Join(dir, "a"))
	fakeSupervise(t, filepath.Join(dir, "a", "b"))
	writeStatus(t, filepath.Join(dir, "a"), svstatus.Record{PID: 7, Want: 'u'})
	r := same(t, dir, "svstat", "a", "missing", "a/b", "a")
	want := "a: up (pid P) S seconds\n" +
		"missing: unable to chdir: file does not exist\n" +
		"a/b: unable to open supervise/status: file does not exist\n" +
		"a: up (pid P) S seconds\n"
	if r.stdout != want {
		t.Errorf("got %v", r)
	}
}

// TestSvcIgnoresSIGPIPE: when supervise goes away while svc waits to
// write into a full control FIFO, svc gets EPIPE, warns and exits 0
// instead of dying of SIGPIPE.
func TestSvcIgnoresSIGPIPE(t *testing.T) {
	for _, bin := range []string{testkit.Oracle(t, "svc"), testkit.Path("svc")} {
		dir := t.TempDir()
		control := fakeSupervise(t, filepath.Join(dir, "s"))
		fillFIFO(t, filepath.Join(dir, "s", svstatus.Control))
		cmd := exec.Command(bin, "-u", "s")
		cmd.Dir = dir
		var errb bytes.Buffer
		cmd.Stderr = &errb
		must(t, cmd.Start())
		testkit.Eventually(t, 20*time.Second, func() bool { return blockedInPipeWrite(cmd.Process.Pid) },
			"%s never blocked writing to the full FIFO", bin)
		control.Close()
		code := testkit.ExitCode(t, cmd.Wait())
		want := "svc: warning: error writing commands to s: broken pipe\n"
		if code != 0 || errb.String() != want {
			t.Errorf("%s: exit %d, stderr %q", bin, code, errb.String())
		}
	}
}

// fillFIFO writes into the FIFO until it holds all it can.
func fillFIFO(t *testing.T, path string) {
	t.Helper()
	w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	must(t, err)
	defer w.Close()
	chunk := make([]byte, 4096)
	for {
		_, err := syscall.Write(int(w.Fd()), chunk)
		if err == syscall.EAGAIN {
			return
		}
		must(t, err)
	}
}

// blockedInPipeWrite reports whether a thread of pid sleeps in the
// kernel's pipe write (pipe_write, or anon_pipe_write in newer kernels).
func blockedInPipeWrite(pid int) bool {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
	for _, f := range tasks {
		if b, err := os.ReadFile(f); err == nil && strings.HasSuffix(string(b), "pipe_write") {
			return true
		}
	}
	return false
}

// TestSvcWritesAllCommandsInOneWrite traces both builds: the command
// letters reach the FIFO in a single write(2). Skipped without strace
// (suggested for scripts/install-deps.sh).
func TestSvcWritesAllCommandsInOneWrite(t *testing.T) {
	strace, err := exec.LookPath("/usr/bin/strace")
	if err != nil {
		t.Skip("strace not installed")
	}
	dir := t.TempDir()
	control := fakeSupervise(t, filepath.Join(dir, "s"))
	for _, bin := range []string{testkit.Oracle(t, "svc"), testkit.Path("svc")} {
		trace := filepath.Join(dir, "trace")
		r := run(t, dir, strace, "-f", "-qq", "-e", "trace=write", "-o", trace, bin, "-dxdu", "-k", "s")
		if r.code != 0 {
			t.Fatalf("strace %s: %v", bin, r)
		}
		b, err := os.ReadFile(trace)
		must(t, err)
		var writes []string
		for _, line := range strings.Split(string(b), "\n") {
			if i := strings.Index(line, "write("); i >= 0 {
				writes = append(writes, line[i:])
			}
		}
		if len(writes) != 1 || !regexp.MustCompile(`^write\(\d+, "dxuk", 4\) += 4$`).MatchString(writes[0]) {
			t.Errorf("%s: writes %q", bin, writes)
		}
		if got := drain(t, control); got != "dxuk" {
			t.Errorf("%s: FIFO got %q", bin, got)
		}
	}
}
