package svscan

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// helperVar makes the test binary act as a service program (see
// helper_test.go) instead of running tests.
const helperVar = "SVSCAN_TEST_HELPER"

// optional are the programs of other packages the tests use. Ours is used
// when it builds; otherwise the C one from /usr/bin (reported by
// TestToolsInUse).
var optional = []string{"supervise", "multilog", "svc", "svok", "svstat"}

// ours records which optional programs were built.
var ours = map[string]bool{}

func TestMain(m *testing.M) {
	if h := os.Getenv(helperVar); h != "" {
		os.Exit(runHelper(h))
	}
	closeOnExecAll()
	dir, err := os.MkdirTemp("", "dtgo-svscan-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := testkit.Build(dir, "svscan", "svscanboot", "readproctitle"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	root, _ := testkit.Root()
	for _, name := range optional {
		if _, err := os.Stat(filepath.Join(root, "cmd", name)); err != nil {
			continue
		}
		if err := testkit.Build(dir, name); err != nil {
			fmt.Fprintf(os.Stderr, "svscan tests: our %s does not build, using /usr/bin/%s: %v\n", name, name, err)
			continue
		}
		ours[name] = true
	}
	testkit.Bin = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// closeOnExecAll keeps descriptors this test process inherited (from a
// shell, a CI runner) out of the programs it starts, so that descriptor
// counts are svscan's own.
func closeOnExecAll() {
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, e := range fds {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
}

// tool returns our build of an optional program, or the C one.
func tool(t testing.TB, name string) string {
	if ours[name] {
		return testkit.Path(name)
	}
	return testkit.Oracle(t, name)
}

func TestToolsInUse(t *testing.T) {
	for _, name := range optional {
		t.Logf("%s: %s", name, tool(t, name))
	}
}

// pathDir makes a directory holding "supervise" and "multilog" symlinks
// to the given programs, for the PATH of a svscan under test.
func pathDir(t testing.TB, supervise, multilog string) string {
	dir := t.TempDir()
	for name, target := range map[string]string{"supervise": supervise, "multilog": multilog} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// scan is a running svscan under test.
type scan struct {
	t      testing.TB
	dir    string // the scanned directory
	cmd    *exec.Cmd
	bin    string // the svscan run
	svPid  int
	stderr *logFile
	done   chan struct{}
	err    error
}

// logFile collects svscan's stderr, which every supervise shares. A file
// rather than a pipe, so that waiting for svscan never waits for the
// processes below it.
type logFile struct{ path string }

func (l *logFile) String() string {
	b, _ := os.ReadFile(l.path)
	return string(b)
}

// startScan runs bin (a svscan) on dir with supervise and multilog from
// the given programs. extraEnv is added to the environment (a PATH there
// replaces the one made here).
func startScan(t testing.TB, bin, dir, supervise string, extraEnv ...string) *scan {
	t.Helper()
	return startWrapped(t, nil, bin, dir, supervise, extraEnv...)
}

// startWrapped is startScan with svscan run by a wrapper command (such as
// unshare, or setuidgid), which must exec svscan in a direct child or in
// itself.
func startWrapped(t testing.TB, wrapper []string, bin, dir, supervise string, extraEnv ...string) *scan {
	t.Helper()
	path := pathDir(t, supervise, tool(t, "multilog"))
	argv := append(append([]string{}, wrapper...), bin, dir)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append([]string{"PATH=" + path + ":/usr/bin:/bin"}, extraEnv...)
	if testMode != "" && bin == testkit.Path("svscan") && !slices.ContainsFunc(extraEnv, func(kv string) bool {
		return strings.HasPrefix(kv, modeVar+"=")
	}) {
		cmd.Env = append(cmd.Env, modeVar+"="+testMode)
	}
	s := &scan{t: t, dir: dir, cmd: cmd, bin: bin, stderr: &logFile{filepath.Join(t.TempDir(), "stderr")}, done: make(chan struct{})}
	f, err := os.Create(s.stderr.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stderr = f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	s.svPid = cmd.Process.Pid
	t.Cleanup(s.cleanup)
	if wrapper != nil {
		testkit.Eventually(t, 10*time.Second, func() bool {
			if p, ok := readProc(cmd.Process.Pid); ok && p.argv[0] == bin {
				return true
			}
			for _, c := range children(cmd.Process.Pid) {
				if c.argv[0] == bin {
					s.svPid = c.pid
					return true
				}
			}
			return false
		}, "%v did not start %s", wrapper, bin)
	}
	return s
}

// testMode is SVSCAN_MODE in the environment of go test: the tests then
// run our svscan in that mode ("SVSCAN_MODE=inprocess go test" runs
// them against in-process supervision; scripts/test.sh does).
var testMode = os.Getenv(modeVar)

// inprocessSkip skips a test that is about supervise processes when the
// tests run in-process supervision.
func inprocessSkip(t testing.TB, why string) {
	t.Helper()
	if testMode == modeInprocess {
		t.Skip("in-process supervision: " + why)
	}
}

// ourScan runs our svscan with our supervise (when it builds).
func ourScan(t testing.TB, dir string, extraEnv ...string) *scan {
	t.Helper()
	return startScan(t, testkit.Path("svscan"), dir, tool(t, "supervise"), extraEnv...)
}

// pid is svscan's pid as seen from here (not the pid of a wrapper such
// as unshare).
func (s *scan) pid() int { return s.svPid }

func (s *scan) signal(sig syscall.Signal) { syscall.Kill(s.svPid, sig) }

// addMarker puts the marker symlink into the scan directory.
func addMarker(t testing.TB, dir string) {
	if err := os.Symlink("/nonexistent/marker", filepath.Join(dir, "zz-marker")); err != nil {
		t.Fatal(err)
	}
}

func (s *scan) scans() int {
	return strings.Count(s.stderr.String(), "svscan: warning: unable to stat zz-marker: file does not exist\n")
}

// rescan sends ALRM and waits until svscan has completed a scan that began
// after the first signal. The marker's warning is written when the scan
// reaches the marker, in directory order (on ext4 a hash order, with
// entries after it), so it shows that a scan has begun, not that it has
// ended; scans run one after another, so the next one's warning shows
// that. A scan under way at the first ALRM gives the first warning, the
// one the ALRM asked for the second, and a third ALRM's scan the third,
// which proves the second complete. (With two, a warning for an entry
// after the marker was sometimes not there yet.)
func (s *scan) rescan() {
	s.t.Helper()
	for range 3 {
		n := s.scans()
		s.signal(syscall.SIGALRM)
		testkit.Eventually(s.t, 10*time.Second, func() bool { return s.scans() > n },
			"no scan after ALRM; stderr:\n%s", s.stderr)
	}
}

// cleanup kills svscan and every process below it, so that no test leaves
// supervisors behind.
func (s *scan) cleanup() {
	// Supervisors outlive an svscan that has exited: look in its directory
	// as well as below its process.
	testkit.KillAll(s.t, []string{s.dir}, s.cmd.Process.Pid, s.svPid)
	<-s.done
}

// exitCode waits for svscan to exit and returns its status.
func (s *scan) exitCode(within time.Duration) int {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(within):
		s.t.Fatalf("svscan still running after %v; stderr:\n%s", within, s.stderr)
	}
	if ee, ok := s.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if s.err != nil {
		s.t.Fatal(s.err)
	}
	return 0
}

// proc describes a process as /proc shows it.
type proc struct {
	pid, ppid int
	state     byte
	argv      []string
	cwd       string
}

func readProc(pid int) (proc, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return proc{}, false
	}
	// The command name is in parentheses and may contain anything.
	rest := stat[bytes.LastIndexByte(stat, ')')+2:]
	f := strings.Fields(string(rest))
	ppid, _ := strconv.Atoi(f[1])
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	argv := strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")
	cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	return proc{pid: pid, ppid: ppid, state: f[0][0], argv: argv, cwd: cwd}, true
}

// children lists the live children of pid, ordered by pid.
func children(pid int) []proc {
	var out []proc
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		for _, f := range strings.Fields(string(b)) {
			c, _ := strconv.Atoi(f)
			if p, ok := readProc(c); ok {
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pid < out[j].pid })
	return out
}

func descendants(pid int) []int {
	var out []int
	for _, c := range children(pid) {
		out = append(out, c.pid)
		out = append(out, descendants(c.pid)...)
	}
	return out
}

// superviseChild finds the live "supervise ARG" child of svscan whose
// working directory (the service directory it entered) is cwd.
//
// Under in-process supervision (testMode) there is no such process: the
// supervisor of cwd is svscan itself when it holds cwd's lock, and that
// is what is returned (svscan's pid, and the argv supervise would have).
func (s *scan) superviseChild(arg, cwd string) (proc, bool) {
	if s.inprocess() {
		holder, _ := svstatus.LockHolder(filepath.Join(cwd, svstatus.Lock))
		if holder == 0 || holder != s.pid() {
			return proc{}, false
		}
		return proc{pid: holder, argv: []string{"supervise", arg}, cwd: cwd}, true
	}
	for _, c := range children(s.pid()) {
		if c.state != 'Z' && len(c.argv) == 2 && c.argv[0] == "supervise" && c.argv[1] == arg && c.cwd == cwd {
			return c, true
		}
	}
	return proc{}, false
}

// inprocess reports whether s is our svscan in in-process supervision.
func (s *scan) inprocess() bool {
	if s.bin != testkit.Path("svscan") {
		return false
	}
	mode := testMode
	for _, kv := range s.cmd.Env {
		if v, ok := strings.CutPrefix(kv, modeVar+"="); ok {
			mode = v
		}
	}
	return mode == modeInprocess
}

// waitSupervise waits until supervise ARG runs in cwd and returns it.
func (s *scan) waitSupervise(arg, cwd string, within time.Duration) proc {
	s.t.Helper()
	var p proc
	testkit.Eventually(s.t, within, func() bool {
		var ok bool
		p, ok = s.superviseChild(arg, cwd)
		return ok
	}, "no supervise %s in %s; children %v; stderr:\n%s", arg, cwd, children(s.pid()), s.stderr)
	return p
}

// status reads a service directory's supervise/status.
func status(dir string) (svstatus.Record, bool) {
	b, err := os.ReadFile(filepath.Join(dir, svstatus.Status))
	if err != nil {
		return svstatus.Record{}, false
	}
	rec, err := svstatus.Decode(b)
	return rec, err == nil
}

// waitUp waits until the service in dir runs and returns its pid.
func waitUp(t testing.TB, dir string, within time.Duration) int {
	t.Helper()
	var pid int
	testkit.Eventually(t, within, func() bool {
		rec, ok := status(dir)
		pid = rec.PID
		return ok && pid != 0
	}, "service %s not up", dir)
	return pid
}

// control writes commands to a service's control FIFO, as svc does.
func control(t testing.TB, dir, cmds string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, svstatus.Control), os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(cmds); err != nil {
		t.Fatal(err)
	}
}

// makeService makes a service directory with the given run script, and a
// log/run when logRun is not empty.
func makeService(t testing.TB, dir, run, logRun string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	testkit.WriteScript(t, filepath.Join(dir, "run"), run)
	if logRun != "" {
		if err := os.MkdirAll(filepath.Join(dir, "log"), 0o755); err != nil {
			t.Fatal(err)
		}
		testkit.WriteScript(t, filepath.Join(dir, "log", "run"), logRun)
	}
	return dir
}

const sleeper = "#!/bin/sh\nexec sleep 1000\n"

// fdCount counts svscan's open descriptors.
func fdCount(pid int) int {
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(fds)
}

// lines returns the lines of a file, or nil.
func lines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
