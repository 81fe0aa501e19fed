//go:build fault

package fault

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// proc is a process as /proc shows it.
type proc struct {
	pid, ppid int
	state     byte
	argv      []string
	cwd       string
	exe       string
}

func readProc(pid int) (proc, bool) {
	p, ok := testkit.ReadProc(pid)
	return proc{pid: p.PID, ppid: p.PPID, state: p.State, argv: p.Argv, cwd: p.Cwd, exe: p.Exe}, ok
}

// allProcs lists every process for which keep holds.
func allProcs(keep func(proc) bool) []proc {
	var out []proc
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := readProc(pid); ok && keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []proc {
	return allProcs(func(p proc) bool { return p.ppid == pid })
}

// fdCount counts a process's open descriptors other than pidfds.
func fdCount(pid int) int {
	n, _ := fdCounts(pid)
	return n
}

// fdCounts counts a process's pidfds apart from its other descriptors.
// supervise holds one for its running service and closes it when it reaps
// the service: a crash-looping service's supervise has one or none
// depending on the moment looked at.
func fdCounts(pid int) (others, pidfds int) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, _ := os.ReadDir(dir)
	for _, fd := range fds {
		if target, _ := os.Readlink(filepath.Join(dir, fd.Name())); target == "anon_inode:[pidfd]" {
			pidfds++
		} else {
			others++
		}
	}
	return others, pidfds
}

// statusKB returns a "NAME: N kB" field of /proc/PID/status.
func statusKB(pid int, name string) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	return -1
}

// usage is a process's resource figures at one moment.
type usage struct{ fds, pidfds, rss, anon int }

func usageOf(pid int) usage {
	fds, pidfds := fdCounts(pid)
	return usage{fds, pidfds, statusKB(pid, "VmRSS"), statusKB(pid, "RssAnon")}
}

func (u usage) String() string {
	return fmt.Sprintf("%d fds and %d pidfds, VmRSS %d kB, RssAnon %d kB", u.fds, u.pidfds, u.rss, u.anon)
}

// flat reports whether late is no bigger than early: descriptors exactly,
// pidfds at most one (the running service's), memory within 10% plus slack
// kB (page-granular noise of the runtime).
func flat(early, late usage, slack int) bool {
	return late.fds <= early.fds && late.pidfds <= max(early.pidfds, 1) &&
		late.rss <= early.rss+early.rss/10+slack &&
		late.anon <= early.anon+early.anon/10+slack
}

// noPanic fails the test when a Go runtime crash report is in stderr.
func noPanic(t testing.TB, what string, stderr []byte) {
	t.Helper()
	if bytes.Contains(stderr, []byte("panic:")) || bytes.Contains(stderr, []byte("goroutine ")) {
		t.Fatalf("%s: Go crash on stderr:\n%s", what, stderr)
	}
}

// underDir reports whether a process belongs to the test working in dir
// (testkit.InDir).
func underDir(dir string) func(proc) bool {
	return func(p proc) bool { return testkit.InDir(testkit.Proc{Cwd: p.cwd, Argv: p.argv}, dir) }
}

// logFiles lists the files of a multilog directory in the order their
// contents were written: the finished files (@ + TAI64N label, which sorts
// by time) and then current.
func logFiles(dir string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "@*"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	if _, err := os.Stat(filepath.Join(dir, "current")); err == nil {
		names = append(names, filepath.Join(dir, "current"))
	}
	return names, nil
}
