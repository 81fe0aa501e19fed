package svscan

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// diffTree builds the same service tree under root: plain, logged,
// wanted-down, symlinked-and-logged services, a dot directory, a plain file.
func diffTree(t *testing.T, root string) string {
	dir := filepath.Join(root, "service")
	os.MkdirAll(dir, 0o755)
	makeService(t, filepath.Join(dir, "a"), sleeper, "")
	makeService(t, filepath.Join(dir, "b"), sleeper, "#!/bin/sh\nexec cat > out\n")
	makeService(t, filepath.Join(dir, "c"), sleeper, "")
	os.WriteFile(filepath.Join(dir, "c", "down"), nil, 0o644)
	makeService(t, filepath.Join(root, "elsewhere", "d"), sleeper, "#!/bin/sh\nexec cat > out\n")
	os.Symlink(filepath.Join(root, "elsewhere", "d"), filepath.Join(dir, "d"))
	makeService(t, filepath.Join(dir, ".hidden"), sleeper, "")
	os.WriteFile(filepath.Join(dir, "notes"), nil, 0o644)
	return dir
}

var diffServices = []string{"a", "b", "b/log", "c", "d", "d/log"}

var maskPidSecs = regexp.MustCompile(`\(pid [0-9]+\) [0-9]+ seconds|[0-9]+ seconds`)

// svstatLines runs svstat on every service, relative to the scan
// directory, with pids and seconds masked.
func svstatLines(t *testing.T, dir string) string {
	cmd := exec.Command(tool(t, "svstat"), diffServices...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	return maskPidSecs.ReplaceAllString(string(out), "N")
}

// treeShape describes the processes below svscan: each child's argv and
// working directory (relative to root), and its children's argv.
func treeShape(pid int, root string) []string {
	var out []string
	for _, c := range children(pid) {
		cwd, _ := filepath.Rel(root, c.cwd)
		line := fmt.Sprintf("%q in %s, fd 0 %s, fd 1 %s:", c.argv, cwd, fdKind(c.pid, 0), fdKind(c.pid, 1))
		for _, g := range children(c.pid) {
			line += fmt.Sprintf(" %q", g.argv)
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out
}

// serviceShape describes the service processes of the tree (svscan's
// grandchildren, or, under in-process supervision, its children): argv,
// working directory and what descriptors 0 and 1 are. It is the same
// under both modes, and under the C tools.
func serviceShape(pid int, root string, inprocess bool) []string {
	var procs []proc
	for _, c := range children(pid) {
		if inprocess {
			procs = append(procs, c)
			continue
		}
		procs = append(procs, children(c.pid)...)
	}
	var out []string
	for _, c := range procs {
		cwd, _ := filepath.Rel(root, c.cwd)
		out = append(out, fmt.Sprintf("%q in %s, fd 0 %s, fd 1 %s", c.argv, cwd, fdKind(c.pid, 0), fdKind(c.pid, 1)))
	}
	sort.Strings(out)
	return out
}

// servicesExeced reports whether every service below the supervise
// children of pid runs its program: it has left supervise's argv (a child
// between fork and exec; the C supervise records the pid at the fork) and
// ./run's (a run script that has not exec'd its program yet).
func servicesExeced(pid int, inprocess bool) bool {
	for _, c := range children(pid) {
		procs := children(c.pid)
		if inprocess {
			procs = []proc{c}
		}
		for _, g := range procs {
			if len(g.argv) == 0 || g.argv[0] == "./run" || g.argv[0] == "supervise" || g.argv[0] == "svscan" {
				return false
			}
		}
	}
	return true
}

// fdKind says whether a descriptor is a pipe (the log pipe) or what
// svscan itself was given.
func fdKind(pid, fd int) string {
	l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, fd))
	if strings.HasPrefix(l, "pipe:") {
		return "pipe"
	}
	return "inherited"
}

// TestSvscanDifferentialWithC runs the same tree under the C svscan with
// the C supervise and under ours with our supervise: same svstat lines,
// same process tree (who is whose child, with which argv, where). Under
// in-process supervision (testMode) the services are svscan's children
// instead of its grandchildren; the services themselves, their
// directories and descriptors, and svstat are the same.
func TestSvscanDifferentialWithC(t *testing.T) {
	type run struct {
		name, svscan, supervise string
	}
	runs := []run{
		{"C", testkit.Oracle(t, "svscan"), testkit.Oracle(t, "supervise")},
		{"ours", testkit.Path("svscan"), tool(t, "supervise")},
	}
	var stats, shapes, services []string
	inprocess := false
	for _, r := range runs {
		root := t.TempDir()
		dir := diffTree(t, root)
		s := startScan(t, r.svscan, dir, r.supervise)
		inprocess = s.inprocess()
		for _, name := range []string{"a", "b", "b/log", "d", "d/log"} {
			waitUp(t, filepath.Join(dir, name), 10*time.Second)
		}
		testkit.Eventually(t, 10*time.Second, func() bool {
			_, ok := status(filepath.Join(dir, "c"))
			return ok && len(serviceShape(s.pid(), root, inprocess)) == 5 && servicesExeced(s.pid(), inprocess)
		}, "%s: tree not complete: %q", r.name, treeShape(s.pid(), root))
		stats = append(stats, svstatLines(t, dir))
		shapes = append(shapes, strings.Join(treeShape(s.pid(), root), "\n"))
		services = append(services, strings.Join(serviceShape(s.pid(), root, inprocess), "\n"))
		s.cleanup()
	}
	if stats[0] != stats[1] {
		t.Errorf("svstat differs:\nC:\n%s\nours:\n%s", stats[0], stats[1])
	}
	if services[0] != services[1] {
		t.Errorf("services differ:\nC:\n%s\nours:\n%s", services[0], services[1])
	}
	if !inprocess && shapes[0] != shapes[1] {
		t.Errorf("process tree differs:\nC:\n%s\nours:\n%s", shapes[0], shapes[1])
	}
	t.Logf("svstat:\n%s\ntree:\n%s", stats[1], shapes[1])
}
