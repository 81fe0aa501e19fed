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

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// TestSvscanChdirFailureIsFatal: "svscan: fatal: unable to chdir to DIR:
// file does not exist", exit 111, as the C svscan.
func TestSvscanChdirFailureIsFatal(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, bin := range []string{testkit.Path("svscan"), testkit.Oracle(t, "svscan")} {
		out, err := exec.Command(bin, missing).CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 111 {
			t.Fatalf("%s: %v", bin, err)
		}
		want := "svscan: fatal: unable to chdir to " + missing + ": file does not exist\n"
		if string(out) != want {
			t.Errorf("%s: got %q, want %q", bin, out, want)
		}
	}
}

// TestSvscanStartsSuperviseAndLogJoinedByPipe: one "supervise NAME" in the
// scan directory, one "supervise log" in NAME, the service's output
// arrives at the logger, dot names and plain files are ignored, a
// dangling symlink gets 0.76's warning, supervise writes to svscan's
// stderr, and svscan holds two descriptors per logged service.
func TestSvscanStartsSuperviseAndLogJoinedByPipe(t *testing.T) {
	dir := t.TempDir()
	makeService(t, filepath.Join(dir, "a"), sleeper, "")
	makeService(t, filepath.Join(dir, "b"), "#!/bin/sh\necho hello from b\nexec sleep 1000\n",
		"#!/bin/sh\nexec cat > out\n")
	makeService(t, filepath.Join(dir, ".hidden"), sleeper, "")
	os.WriteFile(filepath.Join(dir, "plain"), nil, 0o644)
	os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling"))
	os.Mkdir(filepath.Join(dir, "norun"), 0o755)
	s := ourScan(t, dir)
	s.waitSupervise("a", filepath.Join(dir, "a"), 10*time.Second)
	s.waitSupervise("b", filepath.Join(dir, "b"), 10*time.Second)
	s.waitSupervise("log", filepath.Join(dir, "b", "log"), 10*time.Second)
	testkit.Eventually(t, 10*time.Second, func() bool {
		return contains(lines(filepath.Join(dir, "b", "log", "out")), "hello from b")
	}, "b's output did not reach its logger")
	testkit.Eventually(t, 10*time.Second, func() bool {
		return strings.Contains(s.stderr.String(), "svscan: warning: unable to stat dangling: file does not exist\n")
	}, "no warning for the dangling symlink: %q", s.stderr)
	// supervise (and so run) inherit svscan's stderr.
	testkit.Eventually(t, 10*time.Second, func() bool {
		return strings.Contains(s.stderr.String(), "supervise: fatal: unable to start norun/run: file does not exist\n")
	}, "supervise's complaint about norun not on svscan's stderr: %q", s.stderr)
	// Under in-process supervision svscan's children are the three
	// services, and it holds five descriptors per supervised directory
	// (norun's too), its epoll instance and its timerfd.
	kids, want := 4, 3+2+3+spareCount
	if s.inprocess() {
		kids, want = 3, want+4*5+2
	}
	if n := len(children(s.pid())); n != kids {
		t.Errorf("svscan has %d children, want %d: %v", n, kids, children(s.pid()))
	}
	if _, err := os.Stat(filepath.Join(dir, ".hidden", "supervise")); err == nil {
		t.Errorf(".hidden was started")
	}
	// Descriptors: 0, 1, 2, the pipe of b, inotify, the Go runtime's
	// epoll and eventfd, and the three spares a fork needs.
	if n := fdCount(s.pid()); n != want {
		fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", s.pid()))
		var links []string
		for _, fd := range fds {
			l, _ := os.Readlink(fd)
			links = append(links, filepath.Base(fd)+"->"+l)
		}
		t.Errorf("svscan holds %d descriptors, want %d: %v", n, want, links)
	}
}

// TestSvscanRenameRestartsNothing: services are known by device and inode.
func TestSvscanRenameRestartsNothing(t *testing.T) {
	dir := t.TempDir()
	addMarker(t, dir)
	makeService(t, filepath.Join(dir, "old"), sleeper, "#!/bin/sh\nexec cat > out\n")
	s := ourScan(t, dir)
	s.waitSupervise("old", filepath.Join(dir, "old"), 10*time.Second)
	s.waitSupervise("log", filepath.Join(dir, "old", "log"), 10*time.Second)
	run := waitUp(t, filepath.Join(dir, "old"), 10*time.Second)
	waitUp(t, filepath.Join(dir, "old", "log"), 10*time.Second)
	// svscan's children: the two supervise processes, or, under
	// in-process supervision, the service and its logger.
	before := children(s.pid())
	if err := os.Rename(filepath.Join(dir, "old"), filepath.Join(dir, "new")); err != nil {
		t.Fatal(err)
	}
	s.rescan()
	kids := children(s.pid())
	if len(kids) != 2 || len(before) != 2 || kids[0].pid != before[0].pid || kids[1].pid != before[1].pid {
		t.Fatalf("children changed after rename: %v (had %v)", kids, before)
	}
	if rec, _ := status(filepath.Join(dir, "new")); rec.PID != run {
		t.Errorf("service restarted: pid %d, was %d", rec.PID, run)
	}
	if e := strings.ReplaceAll(s.stderr.String(), "svscan: warning: unable to stat zz-marker: file does not exist\n", ""); e != "" {
		t.Errorf("stderr: %q", e)
	}
}

// TestSvscanRestartsSuperviseAfterSvcDx: a supervise that exits while its
// directory is still there is started again at the next scan (0.76: within
// five seconds).
func TestSvscanRestartsSuperviseAfterSvcDx(t *testing.T) {
	dir := t.TempDir()
	svc := makeService(t, filepath.Join(dir, "s"), sleeper, "")
	s := ourScan(t, dir)
	first := s.waitSupervise("s", svc, 10*time.Second)
	run := waitUp(t, svc, 10*time.Second)
	out, err := exec.Command(tool(t, "svc"), "-dx", svc).CombinedOutput()
	if err != nil {
		t.Fatalf("svc -dx: %v %s", err, out)
	}
	if s.inprocess() {
		// svscan's supervision of s ends (the lock is let go) and
		// begins again at the next scan.
		testkit.Eventually(t, 3*time.Second, func() bool {
			_, ok := s.superviseChild("s", svc)
			return !ok
		}, "svscan still supervises s after svc -dx")
		testkit.Eventually(t, 10*time.Second, func() bool {
			rec, ok := status(svc)
			return ok && rec.PID > 0 && rec.PID != run
		}, "s not started again after svc -dx")
		return
	}
	// Reaped on SIGCHLD, not at the next scan as in 0.76.
	testkit.Eventually(t, 3*time.Second, func() bool {
		_, ok := readProc(first.pid)
		return !ok
	}, "exited supervise %d not reaped", first.pid)
	testkit.Eventually(t, 10*time.Second, func() bool {
		p, ok := s.superviseChild("s", svc)
		return ok && p.pid != first.pid
	}, "supervise s not restarted after svc -dx")
	waitUp(t, svc, 10*time.Second)
}

// TestSvscanLeavesRemovedServiceAlone: removing a service's symlink stops
// nothing; once both its supervisors have exited the entry and its pipe
// are dropped.
func TestSvscanLeavesRemovedServiceAlone(t *testing.T) {
	dir := t.TempDir()
	addMarker(t, dir)
	target := makeService(t, filepath.Join(t.TempDir(), "foo"), sleeper, "#!/bin/sh\nexec cat > out\n")
	link := filepath.Join(dir, "foo")
	os.Symlink(target, link)
	s := ourScan(t, dir)
	sup := s.waitSupervise("foo", target, 10*time.Second)
	lg := s.waitSupervise("log", filepath.Join(target, "log"), 10*time.Second)
	withPipe := fdCount(s.pid())
	os.Remove(link)
	s.rescan()
	for _, p := range []proc{sup, lg} {
		if q, ok := readProc(p.pid); !ok || q.state == 'Z' {
			t.Fatalf("supervise %v stopped after its directory was removed", p.argv)
		}
	}
	if n := fdCount(s.pid()); n != withPipe {
		t.Errorf("descriptors %d, want %d while the supervisors run", n, withPipe)
	}
	for _, d := range []string{target, filepath.Join(target, "log")} {
		if out, err := exec.Command(tool(t, "svc"), "-dx", d).CombinedOutput(); err != nil {
			t.Fatalf("svc -dx %s: %v %s", d, err, out)
		}
	}
	want := withPipe - 2
	if s.inprocess() {
		want -= 2 * 5 // each Machine's directory, lock, control (both ends) and ok
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		s.signal(syscall.SIGALRM)
		return fdCount(s.pid()) == want && len(children(s.pid())) == 0
	}, "pipe not closed (%d descriptors, want %d) or children left %v", fdCount(s.pid()), want, children(s.pid()))
}

// TestSvscanLogDecidedWhenFirstSeen: a log directory added later is not
// started (0.76 decides once, when the entry is created).
func TestSvscanLogDecidedWhenFirstSeen(t *testing.T) {
	dir := t.TempDir()
	addMarker(t, dir)
	svc := makeService(t, filepath.Join(dir, "late"), sleeper, "")
	s := ourScan(t, dir)
	s.waitSupervise("late", svc, 10*time.Second)
	waitUp(t, svc, 10*time.Second)
	makeService(t, filepath.Join(svc, "log"), sleeper, "")
	s.rescan()
	if _, ok := s.superviseChild("log", filepath.Join(svc, "log")); ok {
		t.Fatal("log started for a service first seen without log")
	}
}

// TestSvscanInotifyPicksUpNewService: "ln -s /path/to/foo /service/foo" is
// noticed at once, long before the five-second rescan.
func TestSvscanInotifyPicksUpNewService(t *testing.T) {
	dir := t.TempDir()
	makeService(t, filepath.Join(dir, "first"), sleeper, "")
	s := ourScan(t, dir)
	s.waitSupervise("first", filepath.Join(dir, "first"), 10*time.Second)
	target := makeService(t, filepath.Join(t.TempDir(), "foo"), sleeper, "")
	begin := time.Now()
	if err := os.Symlink(target, filepath.Join(dir, "foo")); err != nil {
		t.Fatal(err)
	}
	// Well under the five seconds of the periodic scan, which ran just
	// before "first" appeared.
	testkit.Eventually(t, 2*time.Second, func() bool {
		_, ok := s.superviseChild("foo", target)
		return ok
	}, "new service not picked up by inotify")
	t.Logf("ln -s to supervise running: %v", time.Since(begin))
}

// TestSvscanRescansOnSIGALRM: a change inotify cannot see (a dangling
// symlink's target appearing elsewhere) is picked up at once on ALRM.
func TestSvscanRescansOnSIGALRM(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "later")
	os.Symlink(target, filepath.Join(dir, "later"))
	s := ourScan(t, dir)
	testkit.Eventually(t, 10*time.Second, func() bool {
		return strings.Contains(s.stderr.String(), "unable to stat later: file does not exist")
	}, "no warning for the dangling symlink")
	// Right after a scan: the next periodic one is about five seconds away.
	makeService(t, target, sleeper, "")
	s.signal(syscall.SIGALRM)
	testkit.Eventually(t, 2*time.Second, func() bool {
		_, ok := s.superviseChild("later", target)
		return ok
	}, "ALRM did not make svscan scan")
}

// TestSvscanUnableToStartSupervise: with no supervise in PATH, the warning
// of the C svscan, and svscan keeps going.
func TestSvscanUnableToStartSupervise(t *testing.T) {
	inprocessSkip(t, "no supervise program is run")
	for _, bin := range []string{testkit.Path("svscan"), testkit.Oracle(t, "svscan")} {
		dir := t.TempDir()
		makeService(t, filepath.Join(dir, "x"), sleeper, "")
		s := startScan(t, bin, dir, filepath.Join(t.TempDir(), "no-supervise"), "PATH=/nonexistent")
		want := "svscan: warning: unable to start supervise x: file does not exist\n"
		testkit.Eventually(t, 10*time.Second, func() bool {
			return strings.HasPrefix(s.stderr.String(), want)
		}, "%s: stderr %q, want %q", bin, s.stderr, want)
	}
}

// TestSvscanHasNoServiceLimit: 0.76 refused more than 1000 services; every
// one of 1001 gets its supervise here (a stand-in that records its start
// and exits, so that 1001 processes need not run at once).
func TestSvscanHasNoServiceLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("1001 services")
	}
	dir := t.TempDir()
	for i := 0; i < 1001; i++ {
		os.Mkdir(filepath.Join(dir, fmt.Sprintf("s%04d", i)), 0o755)
	}
	fake := filepath.Join(t.TempDir(), "supervise")
	testkit.WriteScript(t, fake, "#!/bin/sh\n>\"$1/started\"\n")
	marker := "started"
	if testMode == modeInprocess {
		// No supervise to stand in for: the services are down (./down),
		// and svscan's own supervision of each writes its status.
		for i := 0; i < 1001; i++ {
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("s%04d", i), "down"), nil, 0o644)
		}
		marker = "supervise/status"
	}
	s := startScan(t, testkit.Path("svscan"), dir, fake)
	testkit.Eventually(t, 60*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(dir, "s1000", marker))
		return err == nil
	}, "service 1001 not started")
	if strings.Contains(s.stderr.String(), "too many") {
		t.Errorf("stderr: %q", s.stderr)
	}
}

// TestSvscanDiesOnSIGHUPLike076: HUP keeps its default action, and the
// supervise processes keep running.
func TestSvscanDiesOnSIGHUPLike076(t *testing.T) {
	inprocessSkip(t, "svscan is the supervisor, so its supervision ends with it (its services run on and are taken over: TestInprocessRestartRestartsNothing)")
	dir := t.TempDir()
	svc := makeService(t, filepath.Join(dir, "s"), sleeper, "")
	s := ourScan(t, dir)
	sup := s.waitSupervise("s", svc, 10*time.Second)
	s.signal(syscall.SIGHUP)
	<-s.done
	ws, _ := s.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGHUP {
		t.Errorf("svscan ended with %v, want killed by HUP", s.cmd.ProcessState)
	}
	if p, ok := readProc(sup.pid); !ok || p.state == 'Z' {
		t.Errorf("supervise died with svscan")
	}
	syscall.Kill(sup.pid, syscall.SIGKILL)
	if rec, ok := status(svc); ok && rec.PID > 0 {
		syscall.Kill(rec.PID, syscall.SIGKILL)
	}
}
