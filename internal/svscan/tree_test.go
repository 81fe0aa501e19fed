package svscan

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// Tests of in-process supervision (tree.go) as such; the rest of the
// package's tests run in that mode too when SVSCAN_MODE=inprocess is set
// (scripts/test.sh runs them both ways).

const inprocessEnv = modeVar + "=" + modeInprocess

// numbersTree makes n logged services writing numbered lines (the
// "lines" helper: each number once across all runs of a service, its
// place saved on TERM), each logger recording its starts.
func numbersTree(t *testing.T, n int) (dir string, svcs []string) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	addMarker(t, dir)
	for i := range n {
		svcs = append(svcs, makeService(t, filepath.Join(dir, fmt.Sprintf("n%02d", i)),
			fmt.Sprintf("#!/bin/sh\nexec env %s=lines LINES_TOTAL=100000000 LINES_PER_RUN=100000000 LINES_PAUSE=50ms %s\n", helperVar, self),
			"#!/bin/sh\necho $$ >>starts\nexec multilog s100000 n1000 ./main\n"))
	}
	return dir, svcs
}

// stopAndCount shuts s down with TERM and checks that every service of
// numbersTree had each of its lines logged once.
func stopAndCount(t *testing.T, s *scan, svcs []string) {
	t.Helper()
	s.signal(syscall.SIGTERM)
	if code := s.exitCode(60 * time.Second); code != 0 {
		t.Fatalf("shutdown exit %d; stderr:\n%s", code, s.stderr)
	}
	for _, svc := range svcs {
		got := checkCount(t, filepath.Join(svc, "log", "main"))
		if next := readNumberIn(svc, "next"); got != next {
			t.Errorf("%s: %d lines logged, the service wrote %d", svc, got, next)
		}
	}
}

// killLeft kills, at the end of a test, the services an svscan killed
// with KILL left behind, should the test end before another takes them.
func killLeft(t *testing.T, svcs []string) {
	t.Cleanup(func() {
		var pids []int
		for _, svc := range svcs {
			for _, d := range []string{svc, filepath.Join(svc, "log")} {
				if rec, ok := status(d); ok && rec.PID > 0 {
					syscall.Kill(rec.PID, syscall.SIGKILL)
					pids = append(pids, rec.PID)
				}
			}
		}
		testkit.Poll(10*time.Second, func() bool {
			for _, p := range pids {
				if q, ok := readProc(p); ok && q.state != 'Z' {
					return false
				}
			}
			return true
		})
	})
}

// TestInprocessRestartRestartsNothing: svscan under in-process
// supervision killed with KILL and started again restarts none of 50
// logged services: each keeps its pid and its uptime, and is supervised
// on (restarted when it dies, its logger kept), and no line is lost.
func TestInprocessRestartRestartsNothing(t *testing.T) {
	const n = 50
	dir, svcs := numbersTree(t, n)
	killLeft(t, svcs)
	first := ourScan(t, dir, inprocessEnv)
	pids := map[string]int{}
	var whens []svstatus.Record
	for _, svc := range svcs {
		for _, d := range []string{svc, filepath.Join(svc, "log")} {
			pids[d] = waitUp(t, d, 20*time.Second)
		}
	}
	testkit.Eventually(t, 20*time.Second, func() bool {
		for _, svc := range svcs {
			if logSize(filepath.Join(svc, "log", "main")) == 0 {
				return false
			}
		}
		return true
	}, "not every service's lines reach its log")
	for _, svc := range svcs {
		rec, _ := status(svc)
		whens = append(whens, rec)
	}
	first.signal(syscall.SIGKILL)
	<-first.done

	s := ourScan(t, dir, inprocessEnv)
	for _, svc := range svcs {
		for _, d := range []string{svc, filepath.Join(svc, "log")} {
			s.waitSupervise(filepath.Base(d), d, 20*time.Second)
		}
	}
	for i, svc := range svcs {
		for _, d := range []string{svc, filepath.Join(svc, "log")} {
			if rec, _ := status(d); rec.PID != pids[d] {
				t.Fatalf("%s restarted: pid %d, was %d", d, rec.PID, pids[d])
			}
		}
		if rec, _ := status(svc); rec.When != whens[i].When {
			t.Errorf("%s: the status's time changed (uptime lost)", svc)
		}
	}
	if kids := children(s.pid()); len(kids) != 0 {
		t.Errorf("the new svscan started %v", kids)
	}

	// Each service dies (TERM: it saves its place): it is started again,
	// writing to the logger it had, which was not restarted.
	for _, svc := range svcs {
		control(t, svc, "t")
	}
	for _, svc := range svcs {
		testkit.Eventually(t, 20*time.Second, func() bool {
			rec, ok := status(svc)
			return ok && rec.PID > 0 && rec.PID != pids[svc]
		}, "%s not started again after it died", svc)
		if rec, _ := status(filepath.Join(svc, "log")); rec.PID != pids[filepath.Join(svc, "log")] {
			t.Errorf("%s's logger restarted", svc)
		}
	}
	sizes := map[string]int64{}
	for _, svc := range svcs {
		sizes[svc] = logSize(filepath.Join(svc, "log", "main"))
	}
	testkit.Eventually(t, 20*time.Second, func() bool {
		for _, svc := range svcs {
			if logSize(filepath.Join(svc, "log", "main")) <= sizes[svc] {
				return false
			}
		}
		return true
	}, "the restarted services' lines do not reach their loggers")

	stopAndCount(t, s, svcs)
	for _, svc := range svcs {
		if starts := lines(filepath.Join(svc, "log", "starts")); len(starts) != 1 {
			t.Errorf("%s: the logger was started %d times", svc, len(starts))
		}
	}
	if e := stderrWithoutMarker(s); e != "svscan: info: took over the running processes of 50 services and 50 log services\n"+
		"svscan: info: shutdown on TERM: stopping 50 services\nsvscan: info: shutdown: stopping 50 log services\nsvscan: info: shutdown: complete\n" {
		t.Errorf("stderr: %q", e)
	}
}

// TestInprocessFaultInOneServiceContained: a panic in the supervision of
// one service (injected by the test build's control byte '!') costs that
// service nothing but a moment of supervision: its ./run runs on and is
// taken over at the next scan; the other services are not touched.
func TestInprocessFaultInOneServiceContained(t *testing.T) {
	bin := t.TempDir()
	root, err := testkit.Root()
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("sh", "scripts/build.sh", bin, "./cmd/svscan")
	build.Dir = root
	build.Env = append(append(os.Environ(), testkit.TargetEnv()...), "EXTRATAGS=dtgo_faultinject")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	var svcs []string
	for _, name := range []string{"a", "b", "c"} {
		svcs = append(svcs, makeService(t, filepath.Join(dir, name), sleeper, ""))
	}
	s := startScan(t, filepath.Join(bin, "svscan"), dir, tool(t, "supervise"), inprocessEnv)
	pids := map[string]int{}
	for _, svc := range svcs {
		pids[svc] = waitUp(t, svc, 10*time.Second)
	}
	a, b, c := svcs[0], svcs[1], svcs[2]
	time.Sleep(1100 * time.Millisecond) // past the pause after the first start, when commands are read
	control(t, a, "!")
	testkit.Eventually(t, 5*time.Second, func() bool {
		return strings.Contains(s.stderr.String(), "svscan: warning: supervision of a failed (fault injected by the test build)")
	}, "no warning of the fault; stderr: %q", s.stderr)
	// The others go on being supervised: a command is obeyed at once.
	control(t, b, "k")
	testkit.Eventually(t, 5*time.Second, func() bool {
		rec, ok := status(b)
		return ok && rec.PID > 0 && rec.PID != pids[b]
	}, "b not restarted after the fault in a's supervision")
	// a's service ran on, and is supervised again after the next scan.
	s.signal(syscall.SIGALRM)
	testkit.Eventually(t, 10*time.Second, func() bool {
		holder, _ := svstatus.LockHolder(filepath.Join(a, svstatus.Lock))
		return holder == s.pid()
	}, "a not supervised again")
	if rec, _ := status(a); rec.PID != pids[a] {
		t.Fatalf("a restarted by the fault: pid %d, was %d", rec.PID, pids[a])
	}
	control(t, a, "k")
	testkit.Eventually(t, 5*time.Second, func() bool {
		rec, ok := status(a)
		return ok && rec.PID > 0 && rec.PID != pids[a]
	}, "a, taken over, not restarted when it died")
	if rec, _ := status(c); rec.PID != pids[c] {
		t.Errorf("c restarted: pid %d, was %d", rec.PID, pids[c])
	}
	s.signal(syscall.SIGTERM)
	if code := s.exitCode(30 * time.Second); code != 0 {
		t.Fatalf("shutdown exit %d; stderr:\n%s", code, s.stderr)
	}
}

// TestInprocessCToolsSeeNoDifference: Debian's C svc, svok and svstat
// on services supervised in-process, as on our supervise's: same output
// (pids and seconds masked) as under the supervise processes of the
// default mode, and their commands obeyed.
func TestInprocessCToolsSeeNoDifference(t *testing.T) {
	svstat, svok, svc := testkit.Oracle(t, "svstat"), testkit.Oracle(t, "svok"), testkit.Oracle(t, "svc")
	var outs []string
	for _, mode := range []string{modeSupervise, modeInprocess} {
		root := t.TempDir()
		dir := diffTree(t, root)
		s := ourScan(t, dir, modeVar+"="+mode)
		for _, name := range []string{"a", "b", "b/log", "d", "d/log"} {
			waitUp(t, filepath.Join(dir, name), 10*time.Second)
		}
		testkit.Eventually(t, 10*time.Second, func() bool {
			_, ok := status(filepath.Join(dir, "c"))
			return ok
		}, "c not supervised")
		run := func(name string, args ...string) string {
			cmd := exec.Command(name, args...)
			cmd.Dir = dir
			out, _ := cmd.CombinedOutput()
			code := 0
			if cmd.ProcessState != nil {
				code = cmd.ProcessState.ExitCode()
			}
			return fmt.Sprintf("%s %s: %d %s", filepath.Base(name), strings.Join(args, " "), code, maskPidSecs.ReplaceAllString(string(out), "N"))
		}
		var out []string
		out = append(out, run(svstat, diffServices...), run(svok, "a"), run(svok, "c"), run(svok, "nonexistent"))
		// svc: a down, c up once, then paused; b's logger killed (and
		// restarted).
		logPid, _ := status(filepath.Join(dir, "b", "log"))
		out = append(out, run(svc, "-d", "a"), run(svc, "-o", "c"))
		testkit.Eventually(t, 5*time.Second, func() bool {
			ra, _ := status(filepath.Join(dir, "a"))
			rc, _ := status(filepath.Join(dir, "c"))
			return ra.PID == 0 && rc.PID > 0
		}, "%s: svc -d a, svc -o c not obeyed", mode)
		time.Sleep(1100 * time.Millisecond) // c's pause after its start
		out = append(out, run(svc, "-p", "c"), run(svc, "-k", "b/log"))
		testkit.Eventually(t, 5*time.Second, func() bool {
			rc, _ := status(filepath.Join(dir, "c"))
			rl, _ := status(filepath.Join(dir, "b", "log"))
			return rc.Paused && rl.PID > 0 && rl.PID != logPid.PID
		}, "%s: svc -p c, svc -k b/log not obeyed", mode)
		out = append(out, run(svstat, diffServices...))
		outs = append(outs, strings.Join(out, "\n"))
		s.signal(syscall.SIGTERM)
		if code := s.exitCode(30 * time.Second); code != 0 {
			t.Fatalf("%s: shutdown exit %d; stderr:\n%s", mode, code, s.stderr)
		}
	}
	if outs[0] != outs[1] {
		t.Errorf("the C tools see a difference:\nsupervise processes:\n%s\nin-process:\n%s", outs[0], outs[1])
	}
	t.Logf("%s", outs[1])
}

// TestInprocessHUPExecutesAgain: under in-process supervision HUP makes
// svscan execute its program file again, in place (an upgrade): same
// pid, no service restarted, their log pipes taken over; the services
// are still its children, so a death's status is known.
func TestInprocessHUPExecutesAgain(t *testing.T) {
	dir, svcs := numbersTree(t, 3)
	s := ourScan(t, dir, inprocessEnv)
	pids := map[string]int{}
	for _, svc := range svcs {
		for _, d := range []string{svc, filepath.Join(svc, "log")} {
			pids[d] = waitUp(t, d, 10*time.Second)
		}
	}
	time.Sleep(1100 * time.Millisecond) // past the pause after the first starts
	s.signal(syscall.SIGHUP)
	testkit.Eventually(t, 10*time.Second, func() bool {
		return strings.Contains(s.stderr.String(), "svscan: info: HUP: executing "+testkit.Path("svscan")+" again")
	}, "no word of the exec; stderr: %q", s.stderr)
	// The new image says when it has the tree; a TERM before that could
	// come in the moment of the exec (svscan(8)).
	testkit.Eventually(t, 10*time.Second, func() bool {
		return strings.Contains(s.stderr.String(), "svscan: info: took over the running processes of 3 services and 3 log services\n")
	}, "no word of the take-over; stderr: %q", s.stderr)
	for _, svc := range svcs {
		for _, d := range []string{svc, filepath.Join(svc, "log")} {
			s.waitSupervise(filepath.Base(d), d, 10*time.Second) // the new image holds the lock
			if rec, _ := status(d); rec.PID != pids[d] {
				t.Fatalf("%s restarted: pid %d, was %d", d, rec.PID, pids[d])
			}
		}
	}
	control(t, svcs[0], "t")
	testkit.Eventually(t, 10*time.Second, func() bool {
		rec, ok := status(svcs[0])
		return ok && rec.PID > 0 && rec.PID != pids[svcs[0]]
	}, "%s not started again", svcs[0])
	if st, _ := os.ReadFile(filepath.Join(svcs[0], "supervise", "state")); !strings.Contains(string(st), "\nexitcode=0\nsignal=0\n") {
		t.Errorf("the exit of a child of the new image not recorded: %s", st)
	}
	size := logSize(filepath.Join(svcs[0], "log", "main"))
	testkit.Eventually(t, 10*time.Second, func() bool { return logSize(filepath.Join(svcs[0], "log", "main")) > size },
		"the restarted service's lines do not reach its logger")
	stopAndCount(t, s, svcs)
}

// TestInprocessReapsServicesOrphans: under in-process supervision svscan
// is the child subreaper of its tree: what a service leaves behind in
// the background comes to svscan and is reaped.
func TestInprocessReapsServicesOrphans(t *testing.T) {
	dir := t.TempDir()
	svc := makeService(t, filepath.Join(dir, "forks"),
		"#!/bin/sh\n(sleep 0.3 & echo $! > orphan)\nexec sleep 1000\n", "")
	s := ourScan(t, dir, inprocessEnv)
	waitUp(t, svc, 10*time.Second)
	var orphan int
	testkit.Eventually(t, 10*time.Second, func() bool {
		orphan = readNumberIn(svc, "orphan")
		return orphan > 0
	}, "no orphan made")
	if p, ok := readProc(orphan); ok && p.state != 'Z' && p.ppid != s.pid() {
		t.Errorf("the orphan's parent is %d, not svscan %d", p.ppid, s.pid())
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, ok := readProc(orphan)
		return !ok
	}, "orphan %d not reaped", orphan)
}
