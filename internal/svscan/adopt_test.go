package svscan

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// takeoverTree runs the C svscan (supervise and multilog: the C ones) on a
// directory holding one logged service writing numbered lines, waits until
// lines reach the log, then kills that svscan with TERM (0.76 dies and
// leaves the tree running) and starts ours on the same directory. It
// returns the service directory, our svscan, and the pids of the two C
// supervise processes.
func takeoverTree(t *testing.T) (svc string, s *scan, main, log int) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	addMarker(t, dir)
	svc = makeService(t, filepath.Join(dir, "numbers"),
		fmt.Sprintf("#!/bin/sh\nexec env %s=lines LINES_TOTAL=100000000 LINES_PER_RUN=100000000 LINES_PAUSE=2ms %s\n", helperVar, self),
		"#!/bin/sh\necho $$ >>starts\nexec multilog s100000 n1000 ./main\n")
	c := startScan(t, testkit.Oracle(t, "svscan"), dir, testkit.Oracle(t, "supervise"),
		"PATH="+pathDir(t, testkit.Oracle(t, "supervise"), testkit.Oracle(t, "multilog"))+":/usr/bin:/bin")
	main = c.waitSupervise("numbers", svc, 10*time.Second).pid
	log = c.waitSupervise("log", filepath.Join(svc, "log"), 10*time.Second).pid
	testkit.Eventually(t, 10*time.Second, func() bool { return logSize(filepath.Join(svc, "log", "main")) > 1000 },
		"no lines logged under the C svscan")
	c.signal(syscall.SIGTERM)
	if code := c.exitCode(10 * time.Second); code != -1 {
		t.Fatalf("the C svscan exited %d on TERM, want death by the signal", code)
	}
	s = ourScan(t, dir)
	// (ALRM before svscan catches it would kill it.)
	testkit.Eventually(t, 10*time.Second, func() bool { return s.scans() > 0 }, "our svscan did not scan")
	s.rescan()
	return svc, s, main, log
}

// checkCount checks that the log files in dir hold 0, 1, 2, ... with no
// gap and no repeat (checkNumbers' test), and returns how many.
func checkCount(t *testing.T, dir string) int {
	t.Helper()
	return countNumbers(t, dir)
}

// TestSvscanTakesOverARunningTree: supervise processes left running by
// another svscan are taken over, not doubled: no second supervise, no
// "unable to acquire" every five seconds, no restart. When one of them
// exits, ours replaces it at once and is joined to the other side through
// the pipe taken over, and the numbered lines go on without a gap or a
// repeat. 0.76's svscan would start a supervise that cannot take the lock,
// again at every scan.
func TestSvscanTakesOverARunningTree(t *testing.T) {
	svc, s, main, log := takeoverTree(t)
	logDir := filepath.Join(svc, "log")
	run := waitUp(t, svc, time.Second)
	if kids := children(s.pid()); len(kids) != 0 {
		t.Fatalf("our svscan started %v beside the running supervise %d and %d", kids, main, log)
	}
	for _, pid := range []int{main, log} {
		if _, ok := readProc(pid); !ok {
			t.Fatalf("supervise %d is gone", pid)
		}
	}
	if rec, _ := status(svc); rec.PID != run {
		t.Fatalf("the service was restarted: %d, was %d", rec.PID, run)
	}

	// The service's supervise exits: ours takes its place, writing into
	// the pipe the C logger still reads.
	control(t, svc, "dx")
	ourMain := s.waitSupervise("numbers", svc, 10*time.Second)
	newRun := waitUp(t, svc, 10*time.Second)
	if newRun == run {
		t.Fatalf("service not restarted after svc -dx")
	}
	size := logSize(filepath.Join(logDir, "main"))
	testkit.Eventually(t, 10*time.Second, func() bool { return logSize(filepath.Join(logDir, "main")) > size+1000 },
		"the new service's lines do not reach the C logger (%d)", log)

	// Then the logger's: ours reads the same pipe.
	control(t, logDir, "dx")
	s.waitSupervise("log", logDir, 10*time.Second)
	size = logSize(filepath.Join(logDir, "main"))
	testkit.Eventually(t, 10*time.Second, func() bool { return logSize(filepath.Join(logDir, "main")) > size+1000 },
		"lines do not reach our logger")
	if p, ok := s.superviseChild("numbers", svc); !ok || p.pid != ourMain.pid {
		t.Errorf("supervise numbers changed: %v", p)
	}

	s.signal(syscall.SIGTERM)
	if code := s.exitCode(30 * time.Second); code != 0 {
		t.Fatalf("shutdown exit %d; stderr:\n%s", code, s.stderr)
	}
	n := checkCount(t, filepath.Join(logDir, "main"))
	if next := readNumberIn(svc, "next"); n != next {
		t.Errorf("%d lines logged, the service wrote %d", n, next)
	}
	if e := stderrWithoutMarker(s); strings.Contains(e, "unable to acquire") || strings.Contains(e, "warning") {
		t.Errorf("stderr: %q", e)
	}
}

// TestSvscanStopsATreeTakenOver: a shutdown stops the supervise processes
// taken over as it stops its own, services first, and nothing written is
// lost.
func TestSvscanStopsATreeTakenOver(t *testing.T) {
	svc, s, main, log := takeoverTree(t)
	s.signal(syscall.SIGTERM)
	if code := s.exitCode(30 * time.Second); code != 0 {
		t.Fatalf("shutdown exit %d; stderr:\n%s", code, s.stderr)
	}
	for _, pid := range []int{main, log} {
		if p, ok := readProc(pid); ok && p.state != 'Z' {
			t.Errorf("supervise %d still runs after the shutdown", pid)
		}
	}
	if !strings.Contains(s.stderr.String(), "svscan: info: shutdown on TERM: stopping 1 service\n") {
		t.Errorf("stderr: %q", s.stderr)
	}
	// The logger's supervise had "x" before the logger saw the end of
	// its input: it was not started again.
	if starts := lines(filepath.Join(svc, "log", "starts")); len(starts) != 1 {
		t.Errorf("the logger was started %d times: %q", len(starts), starts)
	}
	n := checkCount(t, filepath.Join(svc, "log", "main"))
	if next := readNumberIn(svc, "next"); n != next {
		t.Errorf("%d lines logged, the service wrote %d", n, next)
	}
}

func stderrWithoutMarker(s *scan) string {
	return strings.ReplaceAll(s.stderr.String(), "svscan: warning: unable to stat zz-marker: file does not exist\n", "")
}
