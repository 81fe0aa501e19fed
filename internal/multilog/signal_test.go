package multilog

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// piped is a multilog reading a pipe that the test also holds, the way
// svscan keeps a log pipe open across restarts.
type piped struct {
	cmd     *exec.Cmd
	r, w    *os.File
	errFile *os.File
	done    bool
	code    int
}

// wait waits for the process once and remembers its exit code.
func (p *piped) wait(t *testing.T) int {
	t.Helper()
	if !p.done {
		p.code, p.done = exitCode(t, p.cmd), true
	}
	return p.code
}

func startPiped(t *testing.T, bin, dir string, args []string, r, w *os.File, env ...string) *piped {
	t.Helper()
	if r == nil {
		var err error
		if r, w, err = os.Pipe(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close(); w.Close() })
	}
	errFile, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { errFile.Close() })
	p := &piped{cmd: exec.Command(bin, args...), r: r, w: w, errFile: errFile}
	p.cmd.Dir = dir
	p.cmd.Stdin = r
	p.cmd.Stderr = errFile // a file, so the test can read it while multilog runs
	p.cmd.Env = append(os.Environ(), env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// multilog, and any processor it left behind when it was killed.
		testkit.KillAll(t, []string{dir}, p.cmd.Process.Pid)
		if !p.done {
			p.cmd.Wait()
		}
	})
	return p
}

// stderr returns what multilog has written to stderr so far.
func (p *piped) stderr() string {
	b, _ := os.ReadFile(p.errFile.Name())
	return string(b)
}

// leftover returns what is still in the pipe, without blocking.
func leftover(r *os.File) string {
	n := pipeBytes(r)
	if n <= 0 {
		return ""
	}
	b := make([]byte, n)
	n, _ = r.Read(b)
	return string(b[:n])
}

func (p *piped) send(t *testing.T, s string) {
	t.Helper()
	if _, err := p.w.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// signal sends s once multilog waits for input: 0.76 blocks its signals
// outside read(), and one that comes while it works is seen only after
// the next read returns.
func (p *piped) signal(t *testing.T, s syscall.Signal) {
	t.Helper()
	testkit.Eventually(t, 20*time.Second, func() bool { return waitingForInput(p.cmd.Process.Pid) }, "not waiting for input")
	if err := p.cmd.Process.Signal(s); err != nil {
		t.Fatal(err)
	}
}

// both runs scenario once with 0.76 and once with ours, each in a fresh
// directory, and compares exit codes, stderr and files.
func both(t *testing.T, args []string, scenario func(t *testing.T, p *piped) string) {
	t.Helper()
	var res [2]outcome
	var extra [2]string
	for i, bin := range []string{testkit.Oracle(t, "multilog"), testkit.Path("multilog")} {
		dir := t.TempDir()
		p := startPiped(t, bin, dir, args, nil, nil)
		extra[i] = scenario(t, p)
		code := p.wait(t)
		res[i] = outcome{code: code, stderr: string(mask([]byte(p.stderr()))), tree: dumpTree(t, dir)}
	}
	compare(t, args, res[0], res[1])
	if extra[0] != extra[1] {
		t.Errorf("%q: ours %q, 0.76 %q", args, extra[1], extra[0])
	}
}

// SIGTERM in the middle of a line: the line is finished, nothing after it
// is read, current is closed with mode 0744, exit 0.
func TestTermFinishesLineSameAs076(t *testing.T) {
	for _, args := range [][]string{{"./d"}, {"t", "./d", "e"}} {
		both(t, args, func(t *testing.T, p *piped) string {
			p.send(t, "first\nabc")
			waitConsumed(t, p.w)
			p.signal(t, syscall.SIGTERM)
			// Once the signal is seen, 0.76 reads the line a byte at a
			// time; ours waits for stdin alone, to peek and take the line.
			testkit.Eventually(t, 20*time.Second, func() bool { return finishingLine(p.cmd.Process.Pid) },
				"not finishing the line after SIGTERM")
			p.send(t, "def\nmore\n")
			code := p.wait(t)
			return fmt.Sprintf("exit %d, left in the pipe %q", code, leftover(p.r))
		})
	}
}

// SIGTERM at a line boundary ends at once, leaving the pipe alone.
func TestTermAtLineBoundarySameAs076(t *testing.T) {
	both(t, []string{"./d"}, func(t *testing.T, p *piped) string {
		p.send(t, "first\n")
		waitConsumed(t, p.w)
		p.signal(t, syscall.SIGTERM)
		return ""
	})
}

// SIGALRM rotates a non-empty current at once.
func TestAlarmRotatesSameAs076(t *testing.T) {
	both(t, []string{"./d"}, func(t *testing.T, p *piped) string {
		p.send(t, "a\nb\n")
		waitConsumed(t, p.w)
		p.signal(t, syscall.SIGALRM)
		dir := filepath.Join(p.cmd.Dir, "d")
		testkit.Eventually(t, 20*time.Second, func() bool { return countFinished(dir) == 1 }, "no rotation after SIGALRM")
		p.send(t, "c\n")
		p.w.Close()
		return ""
	})
}

func countFinished(dir string) int {
	names, _ := namesIn(dir)
	n := 0
	for _, name := range names {
		if strings.HasPrefix(name, "@") {
			n++
		}
	}
	return n
}

// kill -9, then a restart: current (not marked 0744) becomes a .u file.
func TestCrashSalvageSameAs076(t *testing.T) {
	var res [2]outcome
	for i, bin := range []string{testkit.Oracle(t, "multilog"), testkit.Path("multilog")} {
		dir := t.TempDir()
		p := startPiped(t, bin, dir, []string{"./d"}, nil, nil)
		p.send(t, "one\ntwo\n")
		waitConsumed(t, p.w)
		p.signal(t, syscall.SIGKILL)
		p.wait(t)
		res[i] = runIn(t, bin, dir, []string{"./d"}, []byte("three\n"))
	}
	compare(t, []string{"./d"}, res[0], res[1])
	if !strings.Contains(res[1].tree, ".u -rw-r--r-- 8 \"one\\ntwo\\n\"") {
		t.Errorf("no .u file with the old current:\n%s", res[1].tree)
	}
}

// The leftovers of a multilog killed during rotation, in every
// combination 0.76 distinguishes, are salvaged the same way.
func TestSalvageLeftoversSameAs076(t *testing.T) {
	type file struct {
		name, data string
		mode       os.FileMode
	}
	cases := [][]file{
		{{"current", "cur\n", 0o644}, {"previous", "prev\n", 0o744}},
		{{"current", "cur\n", 0o644}, {"previous", "prev\n", 0o744}, {"processed", "half", 0o644}, {"newstate", "n", 0o644}, {"state", "s", 0o644}},
		{{"current", "cur\n", 0o644}, {"previous", "prev\n", 0o744}, {"processed", "done\n", 0o744}, {"newstate", "n", 0o644}},
		{{"previous", "prev\n", 0o744}},
		{{"current", "clean\n", 0o744}, {"previous", "prev\n", 0o744}, {"state", "s", 0o644}},
	}
	for _, c := range cases {
		var res [2]outcome
		for i, bin := range []string{testkit.Oracle(t, "multilog"), testkit.Path("multilog")} {
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, "d"), 0o700)
			for _, f := range c {
				p := filepath.Join(dir, "d", f.name)
				os.WriteFile(p, []byte(f.data), f.mode)
				os.Chmod(p, f.mode)
			}
			res[i] = runIn(t, bin, dir, []string{"./d"}, []byte("new\n"))
		}
		compare(t, []string{"./d"}, res[0], res[1])
	}
}

// A second multilog on a locked directory, C or ours, is refused.
func TestSecondMultilogRefusedSameAs076(t *testing.T) {
	oracle := testkit.Oracle(t, "multilog")
	for _, holder := range []string{oracle, testkit.Path("multilog")} {
		dir := t.TempDir()
		p := startPiped(t, holder, dir, []string{"./d"}, nil, nil)
		p.send(t, "x\n")
		waitConsumed(t, p.w)
		c := runIn(t, oracle, dir, []string{"./d"}, nil)
		o := runIn(t, testkit.Path("multilog"), dir, []string{"./d"}, nil)
		want := "multilog: fatal: unable to lock directory ./d: temporary failure\n"
		if c.stderr != want || o.stderr != want || c.code != 111 || o.code != 111 {
			t.Errorf("holder %s: 0.76 %d %q, ours %d %q", holder, c.code, c.stderr, o.code, o.stderr)
		}
		p.w.Close()
		if code := p.wait(t); code != 0 {
			t.Errorf("holder exit %d", code)
		}
	}
}

// finishingLine reports whether a thread of pid sits in read(0, _, 1) (0.76
// after SIGTERM) or polls one descriptor (ours: stdin without the signal
// pipe, only after SIGTERM).
func finishingLine(pid int) bool {
	calls, ok := inputCalls[testkit.SyscallABI(pid)]
	if !ok {
		return true // numbers unknown: cannot be told
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		f := strings.Fields(string(b))
		if len(f) > 3 && (f[0] == calls.read && f[1] == "0x0" && f[3] == "0x1" || slices.Contains(calls.ppoll, f[0]) && f[2] == "0x1") {
			return true
		}
	}
	return false
}

// waitingForInput reports whether a thread of pid sits in read(0, ...) or
// in poll or ppoll (ours polls stdin and its signal pipe).
func waitingForInput(pid int) bool {
	calls, ok := inputCalls[testkit.SyscallABI(pid)]
	if !ok {
		return true // numbers unknown: cannot be told
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		f := strings.Fields(string(b))
		if len(f) > 1 && (f[0] == calls.read && f[1] == "0x0" || f[0] == calls.poll || slices.Contains(calls.ppoll, f[0])) {
			return true
		}
	}
	return false
}

// inputCalls are the numbers of read, poll and ppoll as /proc/PID/syscall
// shows them, by the process's system call ABI (testkit.SyscallABI): x86-64
// for the C build, for ours natively and for ours under qemu-user (qemu's
// own calls); i386 for ours built for 386, which the x86-64 kernel runs
// natively (ppoll and its 64-bit-time variant).
var inputCalls = map[string]struct {
	read, poll string
	ppoll      []string
}{
	"amd64": {"0", "7", []string{"271"}},
	"386":   {"3", "168", []string{"309", "414"}},
}

// A status file that cannot seek (a FIFO) gets 0.76's warning and the
// line is retried, not dropped.
func TestUnseekableStatusFileWarnsSameAs076(t *testing.T) {
	var got [2]string
	for i, bin := range []string{oracleOf(t), ourMultilog()} {
		dir := t.TempDir()
		fifo := filepath.Join(dir, "st")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		reader, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer reader.Close()
		p := startPiped(t, bin, dir, []string{"=st"}, nil, nil)
		p.send(t, "x\n")
		testkit.Eventually(t, 20*time.Second, func() bool { return strings.Contains(p.stderr(), "\n") }, "no warning")
		got[i] = strings.SplitAfter(p.stderr(), "\n")[0]
	}
	want := "multilog: warning: unable to move to beginning of st, pausing: unseekable descriptor\n"
	if got[0] != want || got[1] != want {
		t.Errorf("0.76 %q, ours %q", got[0], got[1])
	}
}
