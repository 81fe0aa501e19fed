//go:build fault

package fault

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
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

// lossAtLoggerKill is how many bytes one SIGKILL of multilog may lose.
// 0.76 loses what it has read from the pipe and not yet written, up to
// its buffer. Ours (since "multilog: lossless and duplicate-free under
// SIGKILL when stdin is a pipe") takes bytes out of the pipe only once
// they are on disk: tee(2) to look, a read to consume, a journal for the
// write in between. So none; the pipe itself, held by svscan, never loses.
const lossAtLoggerKill = 0

// faultKinds are the faults the lossless test injects, by name.
var faultKinds = []string{
	"kill service", "kill logger", "kill supervise", "kill log supervise",
	"alrm logger", "term logger", "disk full",
}

// seed is FAULT_SEED when set (to replay a run), else the clock.
func seed(t testing.TB) uint64 {
	if v := os.Getenv("FAULT_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("FAULT_SEED: %v", err)
		}
		return s
	}
	return uint64(time.Now().UnixNano())
}

// envInt is a positive integer from the environment, or def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// lossless is one run of the end-to-end test: svscan, its services and
// loggers, and the counts of what was done to them.
type lossless struct {
	t        *testing.T
	work     string // everything of this test lives below it
	svdir    string // the scanned directory
	logs     string // the tmpfs holding the log directories
	state    string // the writers' state directories
	names    []string
	quota    int
	scan     *exec.Cmd
	scanDone chan error
	stderr   string // file collecting svscan's (and everyone's) stderr
	rng      *rand.Rand
	kinds    []string // the faults to inject (FAULT_KINDS, comma-separated, narrows them)
	faults   map[string]int
	logKills map[string]int // SIGKILLs delivered to a service's multilog
	filler   string         // the file filling the log file system, "" when none
	fullTill time.Time
}

// TestLosslessLoggingUnderFaults runs writers of numbered lines under our
// svscan with our multilog as their loggers, injects faults at random
// moments, shuts the tree down in order and checks every log.
func TestLosslessLoggingUnderFaults(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (tmpfs mount)")
	}
	l := &lossless{
		t: t, work: t.TempDir(), quota: envInt("FAULT_LINES", 600000),
		faults: map[string]int{}, logKills: map[string]int{}, kinds: faultKinds,
	}
	if v := os.Getenv("FAULT_KINDS"); v != "" {
		l.kinds = strings.Split(v, ",")
	}
	sd := seed(t)
	l.rng = rand.New(rand.NewPCG(sd, sd>>1))
	report(t, "seed %d (replay with FAULT_SEED=%d)", sd, sd)
	l.setUp(3)
	l.startScan()
	from, to := l.loggerDown(l.names[0])
	start := time.Now()
	l.injectUntilDone(4 * time.Minute)
	injecting := time.Since(start)
	l.shutdown()
	var written, present, doubtLost, killLost int
	for _, name := range l.names {
		w, p, d, k := l.verify(name)
		written, present, doubtLost, killLost = written+w, present+p, doubtLost+d, killLost+k
	}
	l.verifyRange(l.names[0], from, to)
	report(t, "%s: %d lines in svscan's pipe while its logger was down (svc -d): all delivered", l.names[0], to-from)
	var kinds []string
	for _, k := range faultKinds {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, l.faults[k]))
	}
	report(t, "%d services, %v of faults: %s", len(l.names), injecting.Round(time.Second), strings.Join(kinds, ", "))
	report(t, "lines accepted %d, found in the logs %d; missing: %d in doubt (writer killed mid-line), %d at a SIGKILL of multilog",
		written, present, doubtLost, killLost)
}

// setUp makes n logged services and mounts the log file system.
func (l *lossless) setUp(n int) {
	t := l.t
	l.svdir = filepath.Join(l.work, "service")
	l.logs = filepath.Join(l.work, "logs")
	l.state = filepath.Join(l.work, "state")
	for _, d := range []string{l.svdir, l.logs, l.state} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	size := 3*n*l.quota*len(Line("s0", 0)) + 8<<20
	if err := unix.Mount("tmpfs", l.logs, "tmpfs", 0, "size="+strconv.Itoa(size)); err != nil {
		t.Fatalf("mount tmpfs on %s: %v", l.logs, err)
	}
	t.Cleanup(func() { unix.Unmount(l.logs, unix.MNT_DETACH) })
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		name := "s" + strconv.Itoa(i)
		l.names = append(l.names, name)
		dir := filepath.Join(l.svdir, name)
		st := filepath.Join(l.state, name)
		mkdirs(t, filepath.Join(dir, "log"), st)
		testkit.WriteScript(t, filepath.Join(dir, "run"), fmt.Sprintf(
			"#!/bin/sh\n%s=%s FAULT_STATE=%s FAULT_QUOTA=%d exec %s\n", writerVar, name, st, l.quota, self))
		testkit.WriteScript(t, filepath.Join(dir, "log", "run"), fmt.Sprintf(
			"#!/bin/sh\nexec multilog s65536 n1000 %s\n", filepath.Join(l.logs, name)))
		writeFile(t, filepath.Join(dir, "restart-delay"), "0\n")
		writeFile(t, filepath.Join(dir, "log", "restart-delay"), "20\n")
	}
}

func mkdirs(t testing.TB, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startScan runs our svscan with our programs first in PATH.
func (l *lossless) startScan() {
	t := l.t
	l.stderr = filepath.Join(l.work, "stderr")
	f, err := os.Create(l.stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(testkit.Path("svscan"), l.svdir)
	cmd.Env = []string{"PATH=" + testkit.Bin + ":/usr/bin:/bin", "MULTILOG_RETRY_MS=50"}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	l.scan, l.scanDone = cmd, make(chan error, 1)
	go func() { l.scanDone <- cmd.Wait() }()
	t.Cleanup(l.killEverything)
	for _, name := range l.names {
		dir := filepath.Join(l.svdir, name)
		testkit.Eventually(t, 30*time.Second, func() bool { return statusPid(dir) != 0 && statusPid(filepath.Join(dir, "log")) != 0 },
			"service %s or its logger not up; stderr:\n%s", name, l.readStderr())
	}
	for _, p := range childrenOf(cmd.Process.Pid) {
		if p.exe != testkit.Path("supervise") {
			t.Fatalf("svscan started %s (%v), not our supervise", p.exe, p.argv)
		}
	}
}

func (l *lossless) readStderr() string {
	b, _ := os.ReadFile(l.stderr)
	return string(b)
}

// killEverything is the cleanup: no process of the test survives it.
func (l *lossless) killEverything() {
	testkit.KillAll(l.t, []string{l.work}, l.scan.Process.Pid)
	if l.filler != "" {
		os.Remove(l.filler)
	}
}

// statusPid is the pid in DIR/supervise/status, 0 when down or unreadable.
func statusPid(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, svstatus.Status))
	if err != nil {
		return 0
	}
	r, err := svstatus.Decode(b)
	if err != nil {
		return 0
	}
	return r.PID
}

// accepted is the number of lines service name's writers have accepted:
// n after "D n" (done) and after "P n" (line n pending, in a write that
// has not returned).
func (l *lossless) accepted(name string) int {
	b, _ := os.ReadFile(filepath.Join(l.state, name, "state"))
	if len(b) < recordLen {
		return 0
	}
	n, _ := strconv.Atoi(string(b[2:recordLen]))
	return n
}

// loggerDown stops service name's logger with svc -d (multilog ends at a
// line boundary, nothing lost), lets the writer go on into svscan's pipe
// until the pipe is full (the writer sleeps in pipe_write), and starts the
// logger again. It returns the numbers that were in the pipe, accepted
// but in no log file, while no logger ran: with no fault in between,
// every one of them must reach the log.
func (l *lossless) loggerDown(name string) (from, to int) {
	t := l.t
	logDir := filepath.Join(l.svdir, name, "log")
	svc := func(cmd string) {
		if out, err := exec.Command(testkit.Path("svc"), cmd, logDir).CombinedOutput(); err != nil || len(out) > 0 {
			t.Fatalf("svc %s %s: %v %s; svscan's children %v; stderr:\n%s", cmd, logDir, err, out, childrenOf(l.scan.Process.Pid), l.readStderr())
		}
	}
	svc("-d")
	testkit.Eventually(t, 30*time.Second, func() bool { return statusPid(logDir) == 0 && len(l.multilogs(name)) == 0 }, "logger of %s still running after svc -d", name)
	writer := statusPid(filepath.Join(l.svdir, name))
	testkit.Eventually(t, 30*time.Second, func() bool {
		return strings.Contains(wchan(writer), "pipe_write") // "anon_pipe_write" on 6.x
	}, "writer %d of %s does not block on the full pipe: accepted %d, wchan %s, processes %v", writer, name, l.accepted(name), wchan(writer), allProcs(underDir(l.work)))
	// Everything accepted and not in the log directory is in the pipe.
	from, to = l.lastLogged(name)+1, l.accepted(name)
	svc("-u")
	return from, to
}

// wchan lists where the threads of a process sleep in the kernel.
func wchan(pid int) string {
	var out []string
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		out = append(out, string(b))
	}
	return strings.Join(out, " ")
}

// lastLogged is the highest number in service name's log directory.
func (l *lossless) lastLogged(name string) int {
	files, _ := logFiles(filepath.Join(l.logs, name))
	last := -1
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(b), "\n") {
			if n, ok := parseLine(name, line); ok && n > last {
				last = n
			}
		}
	}
	return last
}

// verifyRange checks that the lines from..to-1 of name are in its log.
func (l *lossless) verifyRange(name string, from, to int) {
	files, _ := logFiles(filepath.Join(l.logs, name))
	var all []byte
	for _, f := range files {
		b, _ := os.ReadFile(f)
		all = append(all, b...)
	}
	for n := from; n < to; n++ {
		if !bytes.Contains(all, []byte(Line(name, n))) {
			l.t.Errorf("%s: line %d, accepted while the logger was down, is missing", name, n)
			return
		}
	}
}

// done reports whether every writer has reached its quota.
func (l *lossless) done() bool {
	for _, name := range l.names {
		b, _ := os.ReadFile(filepath.Join(l.state, name, "state"))
		if string(b) != fmt.Sprintf("D %018d", l.quota) {
			return false
		}
	}
	return true
}

// injectUntilDone injects one fault every 10 to 100 ms until every writer
// has reached its quota.
func (l *lossless) injectUntilDone(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for !l.done() {
		if time.Now().After(deadline) {
			l.t.Fatalf("writers not done after %v; faults %v; stderr tail:\n%s", limit, l.faults, tail(l.readStderr(), 40))
		}
		time.Sleep(time.Duration(10+l.rng.IntN(90)) * time.Millisecond)
		if l.filler != "" && time.Now().After(l.fullTill) {
			l.freeDisk()
		}
		l.inject(l.kinds[l.rng.IntN(len(l.kinds))], l.names[l.rng.IntN(len(l.names))])
	}
	if l.filler != "" {
		l.freeDisk()
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// inject applies one fault of the given kind to service name, counting it
// only when there was something to hit.
func (l *lossless) inject(kind, name string) {
	dir := filepath.Join(l.svdir, name)
	hit := false
	switch kind {
	case "kill service":
		if pid := statusPid(dir); pid != 0 {
			hit = syscall.Kill(pid, syscall.SIGKILL) == nil
		}
	case "kill logger":
		for _, p := range l.multilogs(name) {
			if syscall.Kill(p.pid, syscall.SIGKILL) == nil {
				hit = true
				l.logKills[name]++
			}
		}
	case "kill supervise", "kill log supervise":
		// supervise works inside the directory it supervises.
		arg, cwd := name, dir
		if kind == "kill log supervise" {
			arg, cwd = "log", filepath.Join(dir, "log")
		}
		for _, p := range childrenOf(l.scan.Process.Pid) {
			if p.state != 'Z' && slices.Equal(p.argv, []string{"supervise", arg}) && p.cwd == cwd {
				hit = syscall.Kill(p.pid, syscall.SIGKILL) == nil
			}
		}
	case "alrm logger", "term logger":
		sig := syscall.SIGALRM
		if kind == "term logger" {
			sig = syscall.SIGTERM
		}
		for _, p := range l.multilogs(name) {
			hit = syscall.Kill(p.pid, sig) == nil || hit
		}
	case "disk full":
		if l.filler == "" {
			l.fillDisk()
			l.fullTill = time.Now().Add(time.Duration(100+l.rng.IntN(900)) * time.Millisecond)
			hit = true
		}
	}
	if hit {
		l.faults[kind]++
	}
}

// multilogs lists the multilog processes writing service name's log: the
// one its log supervise runs and any orphan left by a killed supervise.
func (l *lossless) multilogs(name string) []proc {
	dir := filepath.Join(l.logs, name)
	return allProcs(func(p proc) bool {
		return len(p.argv) > 0 && filepath.Base(p.argv[0]) == "multilog" && slices.Contains(p.argv, dir)
	})
}

// fillDisk fills the log file system to the last block.
func (l *lossless) fillDisk() {
	l.filler = filepath.Join(l.logs, "filler")
	f, err := os.Create(l.filler)
	if err != nil {
		return // already full
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for size := len(chunk); size >= 512; size /= 8 {
		for {
			if _, err := f.Write(chunk[:size]); err != nil {
				break
			}
		}
	}
}

func (l *lossless) freeDisk() {
	os.Remove(l.filler)
	l.filler = ""
}

// shutdown waits for the loggers to catch up, stops svscan with TERM
// (ordered: services, then loggers at end of input) and waits until no
// multilog of the test runs any more (orphans end at end of input too).
func (l *lossless) shutdown() {
	t := l.t
	l.scan.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-l.scanDone:
		if err != nil {
			t.Errorf("svscan after TERM: %v", err)
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("svscan still running 90 s after TERM; stderr tail:\n%s", tail(l.readStderr(), 40))
	}
	testkit.Eventually(t, 60*time.Second, func() bool {
		for _, name := range l.names {
			if len(l.multilogs(name)) > 0 {
				return false
			}
		}
		return true
	}, "multilog still running after svscan's shutdown")
	stderr := l.readStderr()
	noPanic(t, "svscan tree", []byte(stderr))
	report(t, "svscan stderr: %d lines, %d multilog warnings, %d supervise warnings/fatals",
		strings.Count(stderr, "\n"), strings.Count(stderr, "multilog: warning:"),
		strings.Count(stderr, "supervise: warning:")+strings.Count(stderr, "supervise: fatal:"))
}

// verify checks service name's log directory against its writer's state:
// every accepted number present exactly once and in increasing order; the
// only numbers allowed to be missing are those in doubt and, for each
// SIGKILL of its multilog, one run of consecutive numbers of at most
// lossAtLoggerKill bytes, starting right after the end of a .u file. Lines must be whole, except the last line of a
// .u file (multilog killed in the middle of writing it).
func (l *lossless) verify(name string) (written, present, doubtLost, killLost int) {
	t := l.t
	dir := filepath.Join(l.logs, name)
	files, err := logFiles(dir)
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: no log files (%v)", name, err)
	}
	seen := make([]bool, l.quota)
	last := -1
	salvaged := map[int]bool{} // the last number in each .u file
	disorder := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			line := sc.Text()
			n, ok := parseLine(name, line)
			if !ok {
				whole := bytes.HasSuffix(b, []byte(line+"\n"))
				if strings.HasSuffix(file, ".u") && !whole && bytes.HasSuffix(b, []byte(line)) {
					continue // the partial last line of a salvaged file
				}
				t.Errorf("%s: %s: bad line %q", name, filepath.Base(file), line)
				continue
			}
			if n <= last {
				if disorder++; disorder <= 5 {
					t.Errorf("%s: %s: line %d after line %d (duplicate or out of order)", name, filepath.Base(file), n, last)
				}
			}
			if n >= l.quota {
				t.Errorf("%s: line %d beyond the quota %d", name, n, l.quota)
				continue
			}
			seen[n] = true
			last = n
			present++
		}
		if strings.HasSuffix(file, ".u") {
			salvaged[last] = true
		}
	}
	if disorder > 0 {
		t.Errorf("%s: %d lines duplicated or out of order", name, disorder)
	}
	doubt := l.doubts(name)
	maxRun := lossAtLoggerKill / len(Line(name, 0))
	var runs []int
	prev := -1 // the last number seen before n
	for n := 0; n < l.quota; n++ {
		switch {
		case seen[n]:
			prev = n
		case doubt[n]:
			doubtLost++
		case n > 0 && !seen[n-1] && !doubt[n-1] && len(runs) > 0:
			runs[len(runs)-1]++
			killLost++
		default:
			// A multilog killed with lines in its buffer leaves its
			// current behind as a .u file: the loss starts right there.
			if !salvaged[prev] {
				t.Errorf("%s: line %d missing, but line %d does not end a salvaged (.u) file", name, n, prev)
			}
			runs = append(runs, 1)
			killLost++
		}
	}
	if len(runs) > l.logKills[name] {
		t.Errorf("%s: %d runs of missing lines %v but only %d SIGKILLs of its multilog", name, len(runs), head(runs), l.logKills[name])
	}
	for _, r := range runs {
		if r > maxRun {
			t.Errorf("%s: %d consecutive lines missing at a SIGKILL of multilog, more than it may lose (%d)", name, r, maxRun)
		}
	}
	return l.quota, present, doubtLost, killLost
}

func head(s []int) []int { return s[:min(len(s), 20)] }

// doubts reads the numbers the writers of name left in doubt.
func (l *lossless) doubts(name string) map[int]bool {
	out := map[int]bool{}
	b, _ := os.ReadFile(filepath.Join(l.state, name, "doubt"))
	for _, f := range strings.Fields(string(b)) {
		n, _ := strconv.Atoi(f)
		out[n] = true
	}
	return out
}
