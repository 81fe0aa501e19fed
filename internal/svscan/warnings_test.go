package svscan

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// The warnings of 0.76's svscan that need a failing system call, each
// made to happen under the C svscan and ours in the same scenario.

const markerWarning = "svscan: warning: unable to stat zz-marker: file does not exist"

// builds are the two svscans compared.
func builds(t *testing.T) []struct{ name, bin string } {
	return []struct{ name, bin string }{
		{"C", testkit.Oracle(t, "svscan")},
		{"ours", testkit.Path("svscan")},
	}
}

// warnings returns svscan's distinct warning lines, sorted, without the
// marker's.
func (s *scan) warnings() []string {
	seen := map[string]bool{}
	for _, l := range strings.Split(s.stderr.String(), "\n") {
		if strings.HasPrefix(l, "svscan: warning: ") && l != markerWarning {
			seen[l] = true
		}
	}
	out := []string{}
	for l := range seen {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// fullScan waits until svscan has completed a scan that began after the
// call: with ALRM for ours, by waiting for the five-second rescans for C
// (which ALRM kills). The marker's warning shows that a scan has reached
// the marker, not that it has ended (see rescan): the first one after the
// call may come from a scan under way at the call, the second from a scan
// that began after it, and the third shows that one complete.
func (s *scan) fullScan(ours bool) {
	s.t.Helper()
	if ours {
		// ALRM before svscan's handler is set up would kill it.
		testkit.Eventually(s.t, 10*time.Second, func() bool { return s.scans() > 0 },
			"no first scan; stderr:\n%s", s.stderr)
		s.rescan()
		return
	}
	n := s.scans()
	testkit.Eventually(s.t, 20*time.Second, func() bool { return s.scans() >= n+3 },
		"no rescan; stderr:\n%s", s.stderr)
}

// childArgv lists svscan's live children as "supervise ARG" (the
// command's base name and its last argument, so that a stand-in script
// run by sh shows as the supervise it stands for), sorted. A child that
// still has svscan's own command line has not exec'd yet, or failed to and
// is on its way out (0.76's child prints the warning and exits): it is
// not counted.
func (s *scan) childArgv() []string {
	out := []string{}
	self, _ := readProc(s.pid())
	for _, c := range children(s.pid()) {
		if c.state != 'Z' && len(c.argv) >= 2 && !slices.Equal(c.argv, self.argv) {
			n := len(c.argv)
			out = append(out, filepath.Base(c.argv[n-2])+" "+c.argv[n-1])
		}
	}
	sort.Strings(out)
	return out
}

// fakeSupervise is a stand-in for supervise that forks nothing and only
// waits (reading a FIFO it holds open for writing too, so it never sees
// an end): the scenarios count svscan's processes, and a real supervise
// would fork its service. Every account may run it.
func fakeSupervise(t *testing.T) string {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "never")
	if err := unix.Mkfifo(fifo, 0o666); err != nil {
		t.Fatal(err)
	}
	os.Chmod(fifo, 0o666) // whatever the umask
	p := filepath.Join(dir, "supervise")
	testkit.WriteScript(t, p, "#!/bin/sh\nread x <>"+fifo+"\n")
	openToAll(t, dir)
	return p
}

// moveIn creates entries in a directory of their own and renames them
// into dir, so that svscan sees each service whole (log included).
func moveIn(t *testing.T, dir string, build func(staging string)) {
	t.Helper()
	staging := t.TempDir()
	build(staging)
	entries, _ := os.ReadDir(staging)
	for _, e := range entries {
		if err := os.Rename(filepath.Join(staging, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}

func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func sameLines(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

// TestSvscanStatLogWarningLike076: a log entry that cannot be examined
// (a symbolic link to itself: ELOOP) gives "unable to stat NAME/log" on
// every scan and the service is not started; other services are.
func TestSvscanStatLogWarningLike076(t *testing.T) {
	inprocessSkip(t, "0.76's warnings about supervise processes")
	want := []string{"svscan: warning: unable to stat a/log: symbolic link loop"}
	for _, b := range builds(t) {
		dir := t.TempDir()
		addMarker(t, dir)
		mkdirs(t, filepath.Join(dir, "a"), filepath.Join(dir, "b"))
		os.Symlink("log", filepath.Join(dir, "a", "log"))
		s := startScan(t, b.bin, dir, fakeSupervise(t))
		s.fullScan(b.name == "ours")
		if got := s.warnings(); !sameLines(got, want) {
			t.Errorf("%s: warnings %q, want %q", b.name, got, want)
		}
		if got := s.childArgv(); !sameLines(got, []string{"supervise b"}) {
			t.Errorf("%s: children %q, want only supervise b", b.name, got)
		}
		if n := strings.Count(s.stderr.String(), want[0]+"\n"); n < 2 {
			t.Errorf("%s: warning given %d times over two scans", b.name, n)
		}
	}
}

// TestSvscanStartSuperviseLogWarningLike076: the log's supervise is
// started inside NAME, so a relative PATH element finds supervise for
// NAME (in the scan directory) but not for NAME/log: the exec fails only
// for the log, and 0.76's child says "unable to start supervise
// NAME/log". The main supervise runs.
func TestSvscanStartSuperviseLogWarningLike076(t *testing.T) {
	inprocessSkip(t, "0.76's warnings about supervise processes")
	want := []string{"svscan: warning: unable to start supervise a/log: file does not exist"}
	for _, b := range builds(t) {
		dir := t.TempDir()
		addMarker(t, dir)
		mkdirs(t, filepath.Join(dir, "a", "log"))
		// A plain file: ignored by the scan, found by PATH=. from there.
		script, err := os.ReadFile(fakeSupervise(t))
		if err != nil {
			t.Fatal(err)
		}
		testkit.WriteScript(t, filepath.Join(dir, "supervise"), string(script))
		s := startScan(t, b.bin, dir, fakeSupervise(t), "PATH=.")
		s.fullScan(b.name == "ours")
		if got := s.warnings(); !sameLines(got, want) {
			t.Errorf("%s: warnings %q, want %q", b.name, got, want)
		}
		if got := s.childArgv(); !sameLines(got, []string{"supervise a"}) {
			t.Errorf("%s: children %q, want supervise a", b.name, got)
		}
	}
}

// TestSvscanCreatePipeWarningLike076: svscan's descriptor limit is set
// (prlimit) so that, during a scan, one descriptor is left once the
// directory is open: no log pipe can be made. Each new logged service
// gets "unable to create pipe for NAME" and is not started; unlogged
// services start as usual, as with 0.76, whose fork needs no descriptor.
// The limit is counted from each svscan's own descriptors at rest (the C
// one holds 0, 1 and 2; ours also the runtime's, inotify and the spares
// it keeps for forking). The unlogged services are named 100000 and
// 100001 (see startLimitable).
func TestSvscanCreatePipeWarningLike076(t *testing.T) {
	inprocessSkip(t, "0.76's warnings about supervise processes, at a limit on descriptors that each supervised directory now counts against")
	want := []string{
		"svscan: warning: unable to create pipe for a: process cannot open more files",
		"svscan: warning: unable to create pipe for c: process cannot open more files",
	}
	wantKids := []string{"supervise 100000", "supervise 100001"}
	for _, b := range builds(t) {
		dir := t.TempDir()
		s := startLimitable(t, b.bin, dir)
		rest := s.fdsAtRest()
		setSoftNofile(t, s.pid(), rest+2)
		moveIn(t, dir, func(staging string) {
			mkdirs(t, filepath.Join(staging, "a", "log"), filepath.Join(staging, "c", "log"),
				filepath.Join(staging, "100000"), filepath.Join(staging, "100001"))
		})
		s.fullScan(b.name == "ours")
		if got := s.warnings(); !sameLines(got, want) {
			t.Errorf("%s (limit %d): warnings %q, want %q", b.name, rest+2, got, want)
		}
		if got := s.childArgv(); !sameLines(got, wantKids) {
			t.Errorf("%s (limit %d): children %q, want %q", b.name, rest+2, got, wantKids)
		}
	}
}

// startLimitable runs bin (a svscan) on dir, holding the marker, for a
// test that lowers its descriptor limit, with sleep(1) as supervise: it
// needs no descriptor either, and takes "supervise 100000" as 100000
// seconds, so the services are given numbers for names. It returns after
// the first scan.
func startLimitable(t *testing.T, bin, dir string) *scan {
	if os.Geteuid() != 0 {
		t.Skip("needs root to lower the descriptor limit of a running svscan")
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep(1)")
	}
	addMarker(t, dir)
	s := startScan(t, bin, dir, sleep)
	testkit.Eventually(t, 10*time.Second, func() bool { return s.scans() > 0 },
		"%s: no first scan; stderr:\n%s", bin, s.stderr)
	return s
}

// fdsAtRest counts svscan's descriptors between scans: the least of a
// few looks, as a scan holds the directory open.
func (s *scan) fdsAtRest() int {
	n := fdCount(s.pid())
	for range 10 {
		n = min(n, fdCount(s.pid()))
	}
	return n
}

// setSoftNofile sets the soft descriptor limit of pid (prlimit).
func setSoftNofile(t *testing.T, pid, n int) {
	t.Helper()
	var lim unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = uint64(n)
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &lim, nil); err != nil {
		t.Fatal(err)
	}
}

// TestSvscanLogPipeLeavesRoomForFork: a log pipe whose ends would be the
// last descriptors below the limit is refused with 0.76's "unable to
// create pipe" (ForkExec needs a descriptor number above them in the
// child, and every start of the service would fail with "file descriptor
// not open"). 0.76 takes that pipe; ours stops one pipe earlier.
func TestSvscanLogPipeLeavesRoomForFork(t *testing.T) {
	inprocessSkip(t, "the room a supervise process's fork needs")
	dir := t.TempDir()
	s := startLimitable(t, testkit.Path("svscan"), dir)
	rest := s.fdsAtRest()
	// The directory and both ends of the pipe fit, nothing above them.
	setSoftNofile(t, s.pid(), rest+3)
	moveIn(t, dir, func(staging string) { mkdirs(t, filepath.Join(staging, "100000", "log")) })
	s.fullScan(true)
	want := []string{"svscan: warning: unable to create pipe for 100000: process cannot open more files"}
	if got := s.warnings(); !sameLines(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
	// One more descriptor, and the service starts: its supervise (sleep)
	// runs, the log's (sleep log) complains.
	setSoftNofile(t, s.pid(), rest+4)
	s.fullScan(true)
	testkit.Eventually(t, 10*time.Second, func() bool { return contains(s.childArgv(), "supervise 100000") },
		"service not started with room for its pipe: %q; stderr:\n%s", s.childArgv(), s.stderr)
	if e := s.stderr.String(); strings.Contains(e, "unable to start") || strings.Contains(e, "unable to fork") {
		t.Errorf("stderr:\n%s", e)
	}
}

// needNobody skips unless svscan can be run as the account nobody.
func needNobody(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run svscan as nobody")
	}
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skip("no account nobody")
	}
}

// openToAll makes the given directories, and the per-test directories
// they are in, searchable by every account (t.TempDir makes them 0700),
// and our programs too.
func openToAll(t *testing.T, dirs ...string) {
	for _, d := range append(dirs, testkit.Bin) {
		for _, p := range []string{d, filepath.Dir(d)} {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// asNobody runs bin (a svscan) as nobody, through the C setuidgid, on a
// new scan directory holding the marker and what build makes there.
func asNobody(t *testing.T, bin string, build func(dir string)) (*scan, string) {
	dir := t.TempDir()
	openToAll(t, dir)
	addMarker(t, dir)
	build(dir)
	return startWrapped(t, []string{testkit.Oracle(t, "setuidgid"), "nobody"}, bin, dir, fakeSupervise(t)), dir
}

// TestSvscanReadDirectoryWarningLike076: a scan directory svscan may no
// longer read (chmod 0 under a svscan running as nobody) gives "unable to
// read directory" on every scan, and svscan goes on.
func TestSvscanReadDirectoryWarningLike076(t *testing.T) {
	needNobody(t)
	want := []string{"svscan: warning: unable to read directory: access denied"}
	for _, b := range builds(t) {
		s, dir := asNobody(t, b.bin, func(string) {})
		// After the first scan, so after ours has set up its inotify
		// watch, which needs to read the directory too.
		testkit.Eventually(t, 10*time.Second, func() bool { return s.scans() > 0 },
			"%s: no first scan; stderr:\n%s", b.name, s.stderr)
		if err := os.Chmod(dir, 0); err != nil {
			t.Fatal(err)
		}
		if b.name == "ours" {
			s.signal(syscall.SIGALRM)
		}
		testkit.Eventually(t, 15*time.Second, func() bool {
			return strings.Count(s.stderr.String(), want[0]+"\n") >= 2
		}, "%s: stderr %q, want %q twice", b.name, s.stderr, want[0])
		if got := s.warnings(); !sameLines(got, want) {
			t.Errorf("%s: warnings %q, want %q", b.name, got, want)
		}
		if p, ok := readProc(s.pid()); !ok || p.state == 'Z' {
			t.Errorf("%s: svscan ended", b.name)
		}
	}
}

// TestSvscanSwitchToWarningLike076: a logged service whose directory
// svscan can no longer enter (chmod 0 under a svscan running as nobody)
// gets "unable to switch to NAME" each time its log's supervise is to be
// started again, and only the main supervise runs. (0.76's child prints
// it after failing to chdir; ours finds it out before forking and prints
// the same.)
func TestSvscanSwitchToWarningLike076(t *testing.T) {
	inprocessSkip(t, "0.76's warnings about supervise processes")
	needNobody(t)
	want := []string{"svscan: warning: unable to switch to a: access denied"}
	for _, b := range builds(t) {
		s, dir := asNobody(t, b.bin, func(dir string) { mkdirs(t, filepath.Join(dir, "a", "log")) })
		testkit.Eventually(t, 10*time.Second, func() bool {
			return sameLines(s.childArgv(), []string{"supervise a", "supervise log"})
		}, "%s: children %q; stderr:\n%s", b.name, s.childArgv(), s.stderr)
		if err := os.Chmod(filepath.Join(dir, "a"), 0); err != nil {
			t.Fatal(err)
		}
		for _, c := range children(s.pid()) {
			if c.argv[len(c.argv)-1] == "log" {
				syscall.Kill(c.pid, syscall.SIGKILL)
				// Scans before svscan has reaped it would not start it again.
				testkit.Eventually(t, 10*time.Second, func() bool { _, ok := readProc(c.pid); return !ok },
					"%s: svscan did not reap the log's supervise", b.name)
			}
		}
		s.fullScan(b.name == "ours")
		if got := s.warnings(); !sameLines(got, want) {
			t.Errorf("%s: warnings %q, want %q", b.name, got, want)
		}
		if got := s.childArgv(); !contains(got, "supervise a") || contains(got, "supervise log") {
			t.Errorf("%s: children %q, want supervise a alone", b.name, got)
		}
	}
}

// pidsCgroup makes a cgroup with the pids controller for the test and
// returns its directory, removed (once its processes are gone) at the
// end. It skips when there is none to use: cgroup v2 at /sys/fs/cgroup
// with the pids controller, or a cgroup v1 hierarchy with it.
func pidsCgroup(t *testing.T) string {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a pids cgroup")
	}
	base, why := pidsHierarchy()
	if base == "" {
		t.Skip(why)
	}
	dir, err := os.MkdirTemp(base, "dtgo-svscan-")
	if err != nil {
		t.Skipf("cannot make a cgroup in %s: %v", base, err)
	}
	t.Logf("pids cgroup %s", dir)
	t.Cleanup(func() {
		testkit.Poll(10*time.Second, func() bool {
			b, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			return len(b) == 0
		})
		os.Remove(dir)
	})
	return dir
}

func pidsHierarchy() (string, string) {
	const v2 = "/sys/fs/cgroup"
	if b, err := os.ReadFile(v2 + "/cgroup.controllers"); err == nil && contains(strings.Fields(string(b)), "pids") {
		if err := os.WriteFile(v2+"/cgroup.subtree_control", []byte("+pids"), 0); err != nil {
			return "", "cgroup v2 has pids but it cannot be enabled for child groups: " + err.Error()
		}
		return v2, ""
	}
	mounts, _ := os.ReadFile("/proc/self/mounts")
	for _, l := range strings.Split(string(mounts), "\n") {
		f := strings.Fields(l)
		if len(f) >= 4 && f[2] == "cgroup" && contains(strings.Split(f[3], ","), "pids") {
			return f[1], ""
		}
	}
	return "", "no pids cgroup controller (neither cgroup v2 at " + v2 + " with pids nor a cgroup v1 pids hierarchy)"
}

// threads counts the threads of pid.
func threads(pid int) int {
	ts, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	return len(ts)
}

func readInt(path string) int {
	b, _ := os.ReadFile(path)
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return -1
	}
	return n
}

// forkScenario runs bin (a svscan) in a pids cgroup, lets it settle
// (a first set of services started, killed and reaped, so that ours has
// made the threads its runtime wants), then allows it room more
// processes (pids.max), moves in the services build makes and returns
// svscan's warnings and children after a whole scan. It reports false
// when the result says nothing: svscan made a thread meanwhile (Go's
// runtime may), so the room was not all for children.
func forkScenario(t *testing.T, bin string, ours bool, room int, build func(staging string)) ([]string, []string, bool) {
	cg := pidsCgroup(t)
	dir := t.TempDir()
	addMarker(t, dir)
	mkdirs(t, filepath.Join(dir, "warm1", "log"), filepath.Join(dir, "warm2"))
	enter := `echo $$ >` + cg + `/cgroup.procs && exec "$0" "$@"`
	s := startWrapped(t, []string{"/bin/sh", "-c", enter}, bin, dir, fakeSupervise(t))
	testkit.Eventually(t, 10*time.Second, func() bool { return len(s.childArgv()) == 3 },
		"warm-up services not started: %q; stderr:\n%s", s.childArgv(), s.stderr)
	// Moved out, not removed: a new directory could get the inode of a
	// removed one, and svscan, which knows services by inode, could take
	// it for that service if it has not forgotten it yet.
	grave := t.TempDir()
	for _, w := range []string{"warm1", "warm2"} {
		if err := os.Rename(filepath.Join(dir, w), filepath.Join(grave, w)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range children(s.pid()) {
		syscall.Kill(c.pid, syscall.SIGKILL)
	}
	current := filepath.Join(cg, "pids.current")
	testkit.Eventually(t, 15*time.Second, func() bool { return readInt(current) == threads(s.pid()) },
		"warm-up children not reaped: %d tasks in the cgroup, svscan has %d threads", readInt(current), threads(s.pid()))
	own := threads(s.pid())
	if err := os.WriteFile(filepath.Join(cg, "pids.max"), []byte(strconv.Itoa(own+room)), 0); err != nil {
		t.Fatal(err)
	}
	moveIn(t, dir, build)
	s.fullScan(ours)
	if p, ok := readProc(s.pid()); !ok || p.state == 'Z' || threads(s.pid()) != own {
		t.Logf("svscan made a thread (had %d, now %d) or ended; stderr:\n%s", own, threads(s.pid()), s.stderr)
		s.cleanup()
		return nil, nil, false
	}
	w, kids := s.warnings(), s.childArgv()
	s.cleanup()
	return w, kids, true
}

// TestSvscanForkFailureWording: when fork fails, 0.76 says "unable to
// fork for NAME" (or NAME/log), not "unable to start supervise", and
// after a failed fork for NAME it does not try NAME/log. A pids cgroup
// lets svscan make no process at all, or exactly one: then the main
// supervise starts and the log's fork fails.
func TestSvscanForkFailureWording(t *testing.T) {
	inprocessSkip(t, "0.76's warnings about supervise processes")
	cases := []struct {
		name     string
		room     int
		build    func(staging string)
		want     []string
		wantKids []string
	}{
		{"no fork", 0,
			func(st string) { mkdirs(t, filepath.Join(st, "a", "log"), filepath.Join(st, "b")) },
			[]string{
				"svscan: warning: unable to fork for a: temporary failure",
				"svscan: warning: unable to fork for b: temporary failure",
			}, []string{}},
		{"one fork", 1,
			func(st string) { mkdirs(t, filepath.Join(st, "a", "log")) },
			[]string{"svscan: warning: unable to fork for a/log: temporary failure"},
			[]string{"supervise a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for _, b := range builds(t) {
				var got, kids []string
				ok := false
				for attempt := 0; attempt < 3 && !ok; attempt++ {
					got, kids, ok = forkScenario(t, b.bin, b.name == "ours", c.room, c.build)
				}
				if !ok {
					t.Fatalf("%s: svscan made threads in every attempt", b.name)
				}
				if !sameLines(got, c.want) {
					t.Errorf("%s: warnings %q, want %q", b.name, got, c.want)
				}
				if !sameLines(kids, c.wantKids) {
					t.Errorf("%s: children %q, want %q", b.name, kids, c.wantKids)
				}
			}
		})
	}
}
