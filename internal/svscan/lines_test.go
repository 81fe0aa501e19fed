package svscan

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// linesTotal is the number of lines of the soak test; linesBytes is their
// total size ("0\n" ... "999999\n").
const (
	linesTotal = 1000000
	linesBytes = 6888890
)

// TestSvscanPipeLosesNothingWhenLoggerIsKilled: a service writes the
// numbers 0..999999 into its log pipe (4 KB at a time, pausing 1 ms
// between writes so that it runs most of the time) while its multilog is
// SIGKILLed again and again, 100 ms after each restart, and the service
// itself is restarted several times (it exits every 250,000 lines and is
// sent TERM once). svscan keeps both ends of the pipe open, so neither
// restart loses a byte or sees SIGPIPE/EOF: the log files, in order, hold
// every number exactly once, in order.
//
// Our multilog is killed at any moment, in the middle of its work: it
// peeks at the pipe and takes bytes out only once they are written (its
// journal keeps a kill between the two from writing them twice), so
// nothing is lost or repeated. The C multilog loses what it has read but
// not yet written when it is killed in the middle of work (by design), so
// for it the test kills the logger only when it is idle at a read
// boundary: the service is stopped (SIGSTOP) for a moment, the pipe has
// been drained (FIONREAD is 0) and every thread of the logger sleeps in a
// read; and the service is resumed only once the logger is dead, since a
// killed reader not yet gone may still take what arrives and die with it.
// Bytes the service writes while the logger is dead wait in the pipe.
//
// It runs with our multilog (when it builds) and with the C one.
func TestSvscanPipeLosesNothingWhenLoggerIsKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000,000 lines")
	}
	loggers := map[string]string{"C": testkit.Oracle(t, "multilog")}
	if ours["multilog"] {
		loggers["ours"] = testkit.Path("multilog")
	}
	for name, multilog := range loggers {
		t.Run("multilog="+name, func(t *testing.T) {
			t.Parallel()
			pipeLosesNothing(t, multilog, name == "C")
		})
	}
}

func pipeLosesNothing(t *testing.T, multilog string, quiet bool) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	svc := makeService(t, filepath.Join(dir, "numbers"),
		fmt.Sprintf("#!/bin/sh\nexec env %s=lines LINES_TOTAL=%d LINES_PER_RUN=250000 LINES_PAUSE=1ms %s\n", helperVar, linesTotal, self),
		"#!/bin/sh\nexec multilog s1000000 n1000 ./main\n")
	if !quiet {
		// Our supervise restarts the logger at once (the restart-delay
		// extension), so it can be killed every 100 ms, not every second.
		if err := os.WriteFile(filepath.Join(svc, "log", "restart-delay"), []byte("0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := pathDir(t, tool(t, "supervise"), multilog)
	s := ourScan(t, dir, "PATH="+path+":/usr/bin:/bin")
	logDir := filepath.Join(svc, "log")
	waitUp(t, logDir, 10*time.Second)

	var kills atomic.Int32
	stop := make(chan struct{})
	killerDone := make(chan struct{})
	go func() {
		defer close(killerDone)
		killLoggerRepeatedly(svc, stop, &kills, quiet, func() {
			// Once the logger has died twice, restart the service by TERM.
			writeControl(svc, "t")
		})
	}()
	// Finished when the service has written everything and the logger
	// has read it all and waits for more.
	finished := testkit.Poll(60*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(svc, "done"))
		rec, ok := status(logDir)
		return err == nil && ok && rec.PID != 0 && loggerIdle(rec.PID) &&
			logSize(filepath.Join(logDir, "main")) >= linesBytes
	})
	if !finished {
		checkNumbers(t, filepath.Join(logDir, "main"))
		t.Fatalf("not all lines logged: %d of %d bytes; %d logger kills; service at %d; stderr:\n%s",
			logSize(filepath.Join(logDir, "main")), linesBytes, kills.Load(), readNumberIn(svc, "next"), s.stderr)
	}
	close(stop)
	<-killerDone
	// The killer may have struck once more after that look: wait until
	// the logger is back and idle with everything written, and read the
	// files only while no rotation moves them (a listing taken during the
	// rename of current would miss what it held).
	testkit.Until(t, time.Minute, func() bool {
		rec, ok := status(logDir)
		return ok && rec.PID != 0 && loggerIdle(rec.PID) && logSize(filepath.Join(logDir, "main")) >= linesBytes &&
			stableListing(filepath.Join(logDir, "main"))
	}, func() string { return "the logger did not settle: " + describeLog(filepath.Join(logDir, "main")) })

	checkNumbers(t, filepath.Join(logDir, "main"))
	runs := readNumberIn(svc, "runs")
	t.Logf("logger SIGKILLed %d times; service ran %d times", kills.Load(), runs)
	if kills.Load() < 3 || runs < 4 || !quiet && kills.Load() < 10 {
		t.Errorf("too few restarts to prove anything: %d logger kills, %d service runs", kills.Load(), runs)
	}
	if e := s.stderr.String(); e != "" {
		t.Errorf("stderr: %q", e)
	}
}

func readNumberIn(dir, file string) int {
	b, _ := os.ReadFile(filepath.Join(dir, file))
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// maxKills bounds the logger kills. Quiet kills cost about a second each,
// the time supervise takes to restart the logger (it sleeps a second after
// each start), during which the service blocks on the full pipe. Kills at
// any moment (not quiet) are the point of the test for our multilog: with
// restart-delay 0 the logger comes back at once and dies again 100 ms later.
func maxKills(quiet bool) int32 {
	if quiet {
		return 6
	}
	return 100
}

// killLoggerRepeatedly SIGKILLs the logger of svc 100 ms after each new
// logger is seen, until stop is closed or maxKills; after the second
// kill it calls restart once. When quiet, it kills only at idle moments.
func killLoggerRepeatedly(svc string, stop <-chan struct{}, kills *atomic.Int32, quiet bool, restart func()) {
	killed, seen := 0, 0
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		logRec, ok := status(filepath.Join(svc, "log"))
		if !ok || logRec.PID == 0 || logRec.PID == killed || kills.Load() >= maxKills(quiet) {
			continue
		}
		if !quiet {
			if logRec.PID != seen { // it runs for a tick first
				seen = logRec.PID
				continue
			}
			unix.Kill(logRec.PID, unix.SIGKILL) // wherever it is
			killed = logRec.PID
			if kills.Add(1) == 2 {
				restart()
			}
			continue
		}
		rec, ok := status(svc)
		if !ok || rec.PID == 0 {
			continue
		}
		if unix.Kill(rec.PID, unix.SIGSTOP) != nil {
			continue
		}
		ok = testkit.Poll(500*time.Millisecond, func() bool { return stopped(svc, rec.PID) && loggerIdle(logRec.PID) })
		if ok {
			unix.Kill(logRec.PID, unix.SIGKILL)
			// Until it is dead the logger may still wake up, take what
			// the resumed service writes, and die with it.
			testkit.Poll(5*time.Second, func() bool {
				p, ok := readProc(logRec.PID)
				return !ok || p.state == 'Z'
			})
			killed = logRec.PID
			if kills.Add(1) == 2 {
				restart()
			}
		}
		unix.Kill(rec.PID, unix.SIGCONT)
	}
}

// stopped reports whether every thread of the service process pid is
// stopped and pid is still the one supervise runs (not an exited one
// already replaced), so nothing more can enter the pipe. (The first
// thread may show "T" while another is still finishing a write.)
func stopped(svc string, pid int) bool {
	rec, ok := status(svc)
	if !ok || rec.PID != pid {
		return false
	}
	states := threadStates(pid)
	return len(states) > 0 && strings.Trim(states, "T") == ""
}

// threadStates returns the state letter of each thread of pid.
func threadStates(pid int) string {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	var out []byte
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			return "?"
		}
		if f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])); len(f) > 0 {
			out = append(out, f[0][0])
		}
	}
	return string(out)
}

// loggerIdle reports whether the logger has read everything and waits for
// more: its input pipe is empty, all its threads sleep, one of them in a
// pipe read (or poll/epoll, for a logger written in Go) — so it has written
// what it read (multilog flushes before each read). Checked twice a few
// milliseconds apart.
func loggerIdle(pid int) bool {
	for range 2 {
		if pipeBytes(pid) != 0 || !threadsWaiting(pid) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// pipeBytes is how much is waiting in pid's standard input pipe (-1 when
// it cannot be told).
func pipeBytes(pid int) int {
	fd, err := unix.Open(fmt.Sprintf("/proc/%d/fd/0", pid), unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	defer unix.Close(fd)
	n, err := unreadBytes(fd)
	if err != nil {
		return -1
	}
	return n
}

// waitsForInput tells from a thread's wchan that it sleeps in read(2) on
// a pipe, or in poll/epoll (a logger waiting for its input that way).
func waitsForInput(wchan string) bool {
	for _, w := range []string{"pipe_read", "poll_schedule_timeout", "ep_poll", "do_epoll_wait"} {
		if strings.Contains(wchan, w) {
			return true
		}
	}
	return false
}

// threadsWaiting reports whether all threads of pid sleep and one of
// them waits for input.
func threadsWaiting(pid int) bool {
	states := threadStates(pid)
	if states == "" || strings.Trim(states, "S") != "" {
		return false
	}
	wchans, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
	for _, f := range wchans {
		if w, _ := os.ReadFile(f); waitsForInput(string(w)) {
			return true
		}
	}
	return false
}

// logFiles lists a multilog directory's files oldest first: the @
// files by name (TAI64N order), then previous (if a rotation was cut
// short), then current.
func logFiles(dir string) []string {
	names, _ := filepath.Glob(filepath.Join(dir, "@*"))
	sort.Strings(names)
	for _, last := range []string{"previous", "current"} {
		if _, err := os.Stat(filepath.Join(dir, last)); err == nil {
			names = append(names, filepath.Join(dir, last))
		}
	}
	return names
}

// stableListing reports whether two listings of the log files, 10 ms
// apart, name the same files with the same sizes.
func stableListing(dir string) bool {
	list := func() string {
		var b strings.Builder
		for _, f := range logFiles(dir) {
			var st unix.Stat_t
			unix.Stat(f, &st)
			fmt.Fprintf(&b, "%s %d %d\n", f, st.Ino, st.Size)
		}
		return b.String()
	}
	first := list()
	time.Sleep(10 * time.Millisecond)
	return list() == first
}

// logSize adds up the sizes of the log files, each file once even while
// multilog has it under two names (previous and its @ name).
func logSize(dir string) int64 {
	var total int64
	seen := map[uint64]bool{}
	for _, f := range logFiles(dir) {
		var st unix.Stat_t
		if unix.Stat(f, &st) == nil && !seen[st.Ino] {
			seen[st.Ino] = true
			total += st.Size
		}
	}
	return total
}

// describeLog lists each log file with its first and last lines.
func describeLog(dir string) string {
	var out strings.Builder
	for _, f := range logFiles(dir) {
		b, _ := os.ReadFile(f)
		l := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		fmt.Fprintf(&out, "%s: %d bytes, %q ... %q\n", filepath.Base(f), len(b), l[0], l[len(l)-1])
	}
	return out.String()
}

// checkNumbers reads the log files in order and fails unless they hold
// exactly the lines 0, 1, ..., linesTotal-1.
func checkNumbers(t *testing.T, dir string) {
	t.Helper()
	if n := countNumbers(t, dir); n != linesTotal {
		t.Fatalf("%d lines, want %d", n, linesTotal)
	}
}

// countNumbers checks that the log files in dir, in order, hold 0, 1, 2,
// ... one a line, and returns how many.
func countNumbers(t *testing.T, dir string) int {
	t.Helper()
	want := 0
	for _, f := range logFiles(dir) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.SplitAfter(string(b), "\n") {
			if line == "" {
				continue
			}
			if line != strconv.Itoa(want)+"\n" {
				j, _ := exec.Command("sh", "-c", fmt.Sprintf("grep -n -B3 -A3 ' %d ' %s/../../journal", want, dir)).CombinedOutput()
				t.Fatalf("%s: line %q where %d was expected; files:\n%s\n%s", f, line, want, describeLog(dir), j)
			}
			want++
		}
	}
	return want
}
