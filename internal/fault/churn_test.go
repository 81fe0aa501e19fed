//go:build fault

package fault

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// scanner is our svscan on a directory, with a marker that makes every
// scan visible in its stderr.
type scanner struct {
	t      testing.TB
	dir    string
	cmd    *exec.Cmd
	stderr string
	done   chan error
}

const marker = "zz-marker" // a dangling symlink: one warning per scan

func startScanner(t testing.TB, dir string, env ...string) *scanner {
	t.Helper()
	// Its target is in the test's own directory: pointed elsewhere (at
	// /nonexistent, say), svscan would supervise whatever is found there.
	if err := os.Symlink(filepath.Join(t.TempDir(), "missing"), filepath.Join(dir, marker)); err != nil {
		t.Fatal(err)
	}
	s := &scanner{t: t, dir: dir, stderr: filepath.Join(t.TempDir(), "stderr"), done: make(chan error, 1)}
	f, err := os.Create(s.stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s.cmd = exec.Command(testkit.Path("svscan"), dir)
	s.cmd.Env = append([]string{"PATH=" + testkit.Bin + ":/usr/bin:/bin"}, env...)
	s.cmd.Stdout, s.cmd.Stderr = f, f
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	testkit.KillAllAtCleanup(t, []string{dir}, s.cmd.Process.Pid)
	return s
}

func (s *scanner) pid() int { return s.cmd.Process.Pid }

func (s *scanner) log() string {
	b, _ := os.ReadFile(s.stderr)
	return string(b)
}

func (s *scanner) scans() int {
	return strings.Count(s.log(), "unable to stat "+marker+": ")
}

// rescan sends ALRM and waits until a scan that began after it has
// completed: the marker's warning shows that a scan reached the marker,
// in directory order, not that it ended; the next scan's warning does
// (see internal/svscan's rescan).
func (s *scanner) rescan() {
	s.t.Helper()
	for range 3 {
		n := s.scans()
		s.cmd.Process.Signal(syscall.SIGALRM)
		testkit.Eventually(s.t, 30*time.Second, func() bool { return s.scans() > n }, "no scan after ALRM")
	}
}

// supervisors lists svscan's live supervise children.
func (s *scanner) supervisors() []proc {
	var out []proc
	for _, p := range childrenOf(s.pid()) {
		if p.state != 'Z' && len(p.argv) == 2 && p.argv[0] == "supervise" {
			out = append(out, p)
		}
	}
	return out
}

func (s *scanner) zombies() []int {
	var out []int
	for _, p := range childrenOf(s.pid()) {
		if p.state == 'Z' {
			out = append(out, p.pid)
		}
	}
	return out
}

// superviseIn returns the pid of the supervise working in dir.
func (s *scanner) superviseIn(dir string) int {
	for _, p := range s.supervisors() {
		if p.cwd == dir {
			return p.pid
		}
	}
	return 0
}

// TestChurnAndCrashLoopKeepResourcesFlat adds, renames and removes 500
// services three times under our svscan while a service crash-loops 600
// times (restart-delay 5 ms: ten minutes of 0.76's one restart a second)
// and a steady logged service runs; svscan's and the supervisors'
// descriptors and memory stay flat, and no zombie stays behind.
func TestChurnAndCrashLoopKeepResourcesFlat(t *testing.T) {
	const services, restarts = 500, 600
	rounds := envInt("FAULT_CHURN_ROUNDS", 4)
	work := t.TempDir()
	dir, staging, grave := filepath.Join(work, "service"), filepath.Join(work, "staging"), filepath.Join(work, "grave")
	mkdirs(t, dir, staging, grave)
	// Services are moved to grave and stopped there: the cleanup looks in
	// all of work.
	testkit.KillAllAtCleanup(t, []string{work})
	count := filepath.Join(work, "crash.count")
	crash := filepath.Join(dir, "crash")
	mkdirs(t, crash, filepath.Join(dir, "steady", "log"))
	testkit.WriteScript(t, filepath.Join(crash, "run"), "#!/bin/sh\necho >>"+count+"\nexit 1\n")
	writeFile(t, filepath.Join(crash, "restart-delay"), "5\n")
	testkit.WriteScript(t, filepath.Join(dir, "steady", "run"), "#!/bin/sh\nexec sleep 100000\n")
	testkit.WriteScript(t, filepath.Join(dir, "steady", "log", "run"), "#!/bin/sh\nexec cat >/dev/null\n")

	// Go's collector first runs when the heap reaches 4 MB, so garbage
	// alone makes a fresh svscan's RSS grow by up to that much (measured:
	// ~0.5 MB per round, all of it garbage: "3->3->0 MB" in gctrace). With
	// GOGC=10 it collects at a tenth of that, and what stays is what is
	// live: a leak shows, laziness does not. (The supervisors' loop does
	// not allocate; they run with the default.)
	s := startScanner(t, dir, "GOGC=10")
	base := 3 // crash, steady, steady/log
	testkit.Eventually(t, 30*time.Second, func() bool { return len(s.supervisors()) == base }, "base services not supervised")
	crashes := func() int { b, _ := os.ReadFile(count); return strings.Count(string(b), "\n") }
	testkit.Eventually(t, 60*time.Second, func() bool { return crashes() >= 60 }, "crash loop not looping")
	crashSup, steadySup := s.superviseIn(crash), s.superviseIn(filepath.Join(dir, "steady"))
	crashEarly, steadyEarly := usageOf(crashSup), usageOf(steadySup)

	var scanEarly usage
	started := time.Now()
	for round := range rounds {
		names := churnRound(t, s, round, services, staging, dir, grave)
		if round == 0 {
			scanEarly = usageOf(s.pid())
		}
		report(t, "round %d: %d services (%d logged) added, renamed, removed; svscan %v", round+1, services, names, usageOf(s.pid()))
	}
	scanLate := usageOf(s.pid())
	testkit.Until(t, 5*time.Minute, func() bool { return crashes() >= restarts },
		func() string { return fmt.Sprintf("crash loop stopped at %d restarts", crashes()) })
	crashLate, steadyLate := usageOf(crashSup), usageOf(steadySup)
	if s.superviseIn(crash) != crashSup {
		t.Errorf("the crash-looping service's supervise was replaced")
	}
	report(t, "churn %v; crash loop %d restarts", time.Since(started).Round(time.Second), crashes())
	for _, c := range []struct {
		what        string
		early, late usage
		slack       int
	}{
		{"svscan", scanEarly, scanLate, 1024},
		{"supervise of the crash loop", crashEarly, crashLate, 256},
		{"supervise of a steady service", steadyEarly, steadyLate, 256},
	} {
		report(t, "%s: early %v; late %v", c.what, c.early, c.late)
		if !flat(c.early, c.late, c.slack) {
			t.Errorf("%s grew: early %v, late %v", c.what, c.early, c.late)
		}
	}
	noPanic(t, "svscan tree", []byte(s.log()))
}

// churnRound adds n services (every tenth with a log), waits until all
// are supervised, renames them all (nothing restarts: services are known
// by inode), then moves them out, stops them with svc -dx and waits for
// svscan to be back to the base: its supervisors, its descriptors, no
// zombies. It returns how many were logged.
func churnRound(t *testing.T, s *scanner, round, n int, staging, dir, grave string) int {
	baseFds := fdCount(s.pid())
	for range 10 { // the least of a few looks: a scan may hold a descriptor
		baseFds = min(baseFds, fdCount(s.pid()))
	}
	base := len(s.supervisors())
	logged := 0
	var names []string
	for i := range n {
		name := fmt.Sprintf("r%d-%03d", round, i)
		sv := filepath.Join(staging, name)
		mkdirs(t, sv)
		testkit.WriteScript(t, filepath.Join(sv, "run"), "#!/bin/sh\nexec sleep 100000\n")
		writeFile(t, filepath.Join(sv, "down"), "")
		if i%10 == 0 {
			mkdirs(t, filepath.Join(sv, "log"))
			testkit.WriteScript(t, filepath.Join(sv, "log", "run"), "#!/bin/sh\nexec cat\n")
			writeFile(t, filepath.Join(sv, "log", "down"), "")
			logged++
		}
		names = append(names, name)
	}
	for _, name := range names {
		if err := os.Rename(filepath.Join(staging, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	want := base + n + logged
	// Minutes, not seconds: 550 supervise processes to start, each a Go
	// program that re-executes itself once, on two loaded cores.
	testkit.Until(t, 10*time.Minute, func() bool { return len(s.supervisors()) == want },
		func() string {
			return fmt.Sprintf("round %d: %d supervisors, want %d", round, len(s.supervisors()), want)
		})
	// Running is not ready: svc needs the control FIFO, which exists once
	// supervise/ok has a reader (svok succeeds).
	for _, name := range names {
		for _, sub := range []string{"", "/log"} {
			d := filepath.Join(dir, name) + sub
			if _, err := os.Stat(d); err != nil {
				continue
			}
			testkit.Eventually(t, time.Minute, func() bool { return svok(d) }, "round %d: %s not ready", round, d)
		}
	}
	// (Polled: a scan in progress holds the directory open for a moment.)
	testkit.Until(t, time.Minute, func() bool { return fdCount(s.pid()) == baseFds+2*logged },
		func() string {
			return fmt.Sprintf("round %d: svscan has %d descriptors with %d logged services, want %d", round, fdCount(s.pid()), logged, baseFds+2*logged)
		})
	before := pids(s.supervisors())
	for _, name := range names {
		if err := os.Rename(filepath.Join(dir, name), filepath.Join(dir, name+"-renamed")); err != nil {
			t.Fatal(err)
		}
	}
	s.rescan()
	if after := pids(s.supervisors()); after != before {
		t.Errorf("round %d: renaming services changed the supervisors", round)
	}
	args := []string{}
	for _, name := range names {
		if err := os.Rename(filepath.Join(dir, name+"-renamed"), filepath.Join(grave, name)); err != nil {
			t.Fatal(err)
		}
		args = append(args, filepath.Join(grave, name))
		if _, err := os.Stat(filepath.Join(grave, name, "log")); err == nil {
			args = append(args, filepath.Join(grave, name, "log"))
		}
	}
	if out, err := exec.Command(testkit.Path("svc"), append([]string{"-dx"}, args...)...).CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("svc -dx: %v %s", err, out)
	}
	testkit.Until(t, 10*time.Minute, func() bool { return len(s.supervisors()) == base },
		func() string {
			return fmt.Sprintf("round %d: %d supervisors left after svc -dx, want %d", round, len(s.supervisors()), base)
		})
	testkit.Until(t, time.Minute, func() bool { return fdCount(s.pid()) == baseFds },
		func() string {
			return fmt.Sprintf("round %d: svscan keeps %d descriptors, had %d", round, fdCount(s.pid()), baseFds)
		})
	testkit.Until(t, time.Minute, func() bool { return len(s.zombies()) == 0 },
		func() string { return fmt.Sprintf("round %d: zombies %v", round, s.zombies()) })
	if err := os.RemoveAll(grave); err != nil {
		t.Fatal(err)
	}
	mkdirs(t, grave)
	return logged
}

// svok is svok(8): whether a supervise reads dir/supervise/ok.
func svok(dir string) bool {
	fd, err := unix.Open(filepath.Join(dir, svstatus.OK), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

// pids is a comparable summary of a set of processes.
func pids(ps []proc) string {
	var b strings.Builder
	seen := map[int]bool{}
	for _, p := range ps {
		seen[p.pid] = true
	}
	for _, p := range ps {
		b.WriteString(strconv.Itoa(p.pid) + " ")
	}
	return fmt.Sprint(len(seen), " ", b.String())
}
