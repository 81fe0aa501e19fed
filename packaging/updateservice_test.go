package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// Differential tests of init/update-service against the update-service of
// Debian's daemontools-run, unpacked from the .deb scripts/install-deps.sh
// downloads into debCache (never installed: it conflicts with runit and
// takes /etc/service).  Each case builds the same tree at the same path
// twice, runs Debian's script on the first and ours on the second, with
// SVDIR inside the tree, and compares standard output, standard error,
// exit status and the tree left behind.  Each script finds svc and svok
// (Debian's also runit's sv) through a PATH that starts with its own
// programs: /usr/bin's C build for Debian's, ours for ours.  The cases where ours
// differs on purpose (update-service(8), COMPATIBILITY) check each side
// against what it should do.

// debCache is where scripts/install-deps.sh puts daemontools-run's .deb.
const debCache = "/var/cache/daemontools-go-tests/debs"

// usSide is one implementation with the daemontools programs it goes with.
type usSide struct {
	name   string // "Debian's" or "ours"
	script string // its update-service
	bin    string // its svc, svok, supervise, svscan, svstat
	path   string // PATH: bin first
}

func (s usSide) tool(name string) string { return filepath.Join(s.bin, name) }

// updateServiceSides unpacks Debian's script and copies ours into a
// directory everyone can read (one case runs them as nobody).  Without
// the .deb the test is skipped, except under CI, which installs it.
func updateServiceSides(t *testing.T) [2]usSide {
	t.Helper()
	debs, _ := filepath.Glob(filepath.Join(debCache, "daemontools-run_*.deb"))
	if len(debs) == 0 {
		msg := "no daemontools-run .deb in " + debCache + " (sh scripts/install-deps.sh downloads it)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	need(t, "dpkg-deb")
	testkit.Oracle(t, "supervise")
	dir, err := os.MkdirTemp("", "dtgo-update-service-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	output(t, time.Minute, "dpkg-deb", "-x", debs[len(debs)-1], filepath.Join(dir, "debian"))
	body, err := os.ReadFile(filepath.Join(src, "init/update-service"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "ours"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ours/update-service"), body, 0o755); err != nil {
		t.Fatal(err)
	}
	return [2]usSide{
		{"Debian's", filepath.Join(dir, "debian/usr/sbin/update-service"), "/usr/bin", "/usr/bin:/bin"},
		{"ours", filepath.Join(dir, "ours/update-service"), bin, bin + ":/usr/bin:/bin"},
	}
}

// usSetup prepares one side's tree in root, after standardTree.
type usSetup func(t *testing.T, root string, s usSide)

// usCheck checks one side's result r.
type usCheck func(t *testing.T, root string, s usSide, r usResult)

// usCase is one run of update-service.  In args and env, "@" stands for
// the tree's directory.
type usCase struct {
	name  string
	args  []string
	env   []string // after PATH, SVDIR=@/service and LC_ALL=C
	setup usSetup  // after the standard tree
	// after, when set, checks a side's run before its processes are
	// killed.
	after usCheck
	// differs, when set, marks a deliberate difference: it checks each
	// side's result, which are not compared.
	differs usCheck
	nobody  bool // run as uid and gid 65534, in /
}

type usResult struct {
	stdout, stderr string
	code           int
	tree           string // treeOf the test's directory after the run
}

// standardTree is what every case starts from: the scanned directory,
// a service with a logger, one without, and a plain file.
func standardTree(t *testing.T, root string) {
	t.Helper()
	for _, d := range []string{"service", "svc/log", "plain", "other"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	testkit.WriteScript(t, filepath.Join(root, "svc/run"), "#!/bin/sh\nexec sleep 1000\n")
	testkit.WriteScript(t, filepath.Join(root, "svc/log/run"), "#!/bin/sh\nexec sleep 1000\n")
	testkit.WriteScript(t, filepath.Join(root, "plain/run"), "#!/bin/sh\nexec sleep 1000\n")
	if err := os.WriteFile(filepath.Join(root, "file"), []byte("not a directory\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// resetTree stops every process of the previous run and makes root empty.
func resetTree(t *testing.T, root string) {
	t.Helper()
	testkit.KillAll(t, []string{root})
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
}

// treeOf lists everything below root, one line each: the path relative
// to root, type and mode, a link's target, a file's bytes.  Files in a
// supervise/ directory, and status files in any state directory, are
// listed without their bytes (pids, times). A state file beside a supervise
// lock is left out: our supervise keeps it beside 0.76's status
// (daemontools(7)), the C supervise does not.
func treeOf(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if d.Name() == "state" || d.Name() == "state.new" {
			if _, err := os.Lstat(filepath.Join(filepath.Dir(p), "lock")); err == nil {
				return nil
			}
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(&b, "%s %v", rel, fi.Mode())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " -> %s", target)
		case fi.Mode().IsRegular() && filepath.Base(filepath.Dir(p)) != "supervise" && d.Name() != "status":
			body, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " %q", body)
		}
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// expand puts root where "@" stands in args.
func expand(root string, args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.ReplaceAll(a, "@", root)
	}
	return out
}

// runUpdateService runs one side's script in root (in / as nobody).
func runUpdateService(t *testing.T, s usSide, root string, c usCase) usResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.script, expand(root, c.args)...)
	cmd.Dir = root
	cmd.Env = append([]string{"PATH=" + s.path, "SVDIR=" + filepath.Join(root, "service"), "LC_ALL=C"}, expand(root, c.env)...)
	if c.nobody {
		cmd.Dir = "/"
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s update-service %q: %v", s.name, c.args, err)
	}
	return usResult{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode(), treeOf(t, root)}
}

// compareUpdateService runs each case on both sides in root, which it
// empties before each run.
func compareUpdateService(t *testing.T, root string, cases []usCase) {
	t.Helper()
	sides := updateServiceSides(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var res [2]usResult
			for i, s := range sides {
				resetTree(t, root)
				standardTree(t, root)
				if c.setup != nil {
					c.setup(t, root, s)
				}
				res[i] = runUpdateService(t, s, root, c)
				if c.after != nil {
					c.after(t, root, s, res[i])
				}
				testkit.KillAll(t, []string{root})
				if c.differs != nil {
					c.differs(t, root, s, res[i])
				}
			}
			if c.differs == nil {
				sameResults(t, res[0], res[1])
			}
		})
	}
}

// sameResults fails the test where Debian's result d and ours o differ.
func sameResults(t *testing.T, d, o usResult) {
	t.Helper()
	if d.code != o.code {
		t.Errorf("exit status: Debian's %d, ours %d", d.code, o.code)
	}
	for _, f := range []struct{ what, d, o string }{
		{"stdout", d.stdout, o.stdout}, {"stderr", d.stderr, o.stderr}, {"tree", d.tree, o.tree},
	} {
		if f.d != f.o {
			t.Errorf("%s differs (C: Debian's):%s", f.what, testkit.LineDiff(f.d, f.o))
		}
	}
	if t.Failed() {
		t.Logf("Debian's: exit %d\nstdout %q\nstderr %q\ntree:\n%s", d.code, d.stdout, d.stderr, d.tree)
	}
}

// want checks one side's result of a deliberate difference.
func want(t *testing.T, s usSide, r usResult, code int, stdout, stderr string) {
	t.Helper()
	if r.code != code || r.stdout != stdout || r.stderr != stderr {
		t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr %q",
			s.name, r.code, r.stdout, r.stderr, code, stdout, stderr)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// linked is a setup that makes the link at (a path in the tree) to target,
// in which "@" stands for the tree's directory.
func linked(target, at string) usSetup {
	return func(t *testing.T, root string, s usSide) {
		symlink(t, strings.ReplaceAll(target, "@", root), filepath.Join(root, at))
	}
}

// made is a setup that makes the directory p in the tree.
func made(p string) usSetup {
	return func(t *testing.T, root string, s usSide) {
		if err := os.MkdirAll(filepath.Join(root, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// written is a setup that writes the file p in the tree.
func written(p, body string) usSetup {
	return func(t *testing.T, root string, s usSide) {
		if err := os.WriteFile(filepath.Join(root, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// stopped is a setup that leaves supervise/ in each directory of the tree
// named: the side's supervise ran there and was stopped (superviseOnce).
func stopped(dirs ...string) usSetup {
	return func(t *testing.T, root string, s usSide) {
		for _, d := range dirs {
			superviseOnce(t, s, filepath.Join(root, d))
		}
	}
}

// steps is a setup made of the setups given, in order.
func steps(setups ...usSetup) usSetup {
	return func(t *testing.T, root string, s usSide) {
		for _, f := range setups {
			f(t, root, s)
		}
	}
}

const usage = "Usage: update-service --add|--remove <service-directory> [<service-name>]\n" +
	"       update-service --list|--check [<service-name>]\n\n"

func TestUpdateServiceUsageAndArgumentErrorsLikeDebian(t *testing.T) {
	root := t.TempDir()
	testkit.KillAllAtCleanup(t, []string{root})
	compareUpdateService(t, root, []usCase{
		{name: "no arguments"},
		{name: "unknown option", args: []string{"-x"}},
		{name: "not an option", args: []string{"add", "@/svc"}},
		{name: "a lone dash", args: []string{"-"}},
		{name: "add without directory", args: []string{"--add"}},
		{name: "remove without directory", args: []string{"-r"}},
		{name: "add of the root directory", args: []string{"-a", "/"}},
		{name: "add of // (an empty name)", args: []string{"-a", "//"}},
		{name: "unknown option with a directory", args: []string{"--frobnicate", "@/svc"}},
		{name: "unknown option with a missing directory", args: []string{"-x", "@/missing"}},
		{name: "relative directory", args: []string{"-a", "svc"}},
		{name: "relative missing directory", args: []string{"--add", "missing"}},
		{name: "missing directory", args: []string{"-a", "@/missing"}},
		{name: "remove of a missing directory", args: []string{"--remove", "@/missing"}},
		{name: "a file, not a directory", args: []string{"-a", "@/file"}},
		{name: "name starting with a dot", args: []string{"-a", "@/svc", ".hidden"}},
		{name: "directory starting with a dot", args: []string{"-a", "@/.svc"},
			setup: made(".svc")},
		{name: "name with a slash", args: []string{"-a", "@/svc", "a/b"}},
		{name: "remove with a name with a slash", args: []string{"-r", "@/svc", "x/"}},
	})
	// The messages are Debian's, byte for byte (checked above); the usage
	// text is also pinned here, in case both changed.
	ours := updateServiceSides(t)[1]
	want(t, ours, runUpdateService(t, ours, root, usCase{}), 1, "", usage)
}

// TestUpdateServiceOnlyRootAddsAndRemovesLikeDebian runs both as nobody:
// the check comes after the arguments', before anything is looked at.
func TestUpdateServiceOnlyRootAddsAndRemovesLikeDebian(t *testing.T) {
	root := t.TempDir()
	testkit.KillAllAtCleanup(t, []string{root})
	compareUpdateService(t, root, []usCase{
		{name: "add as nobody", args: []string{"-a", "/tmp"}, nobody: true},
		{name: "add as nobody, long option", args: []string{"--add", "/tmp", "x"}, nobody: true},
		{name: "remove as nobody", args: []string{"--remove", "/tmp"}, nobody: true},
		{name: "list as nobody", args: []string{"-l", "zz-dtgo-none"}, nobody: true},
	})
}

func TestUpdateServiceAddLikeDebian(t *testing.T) {
	root := t.TempDir()
	testkit.KillAllAtCleanup(t, []string{root})
	compareUpdateService(t, root, []usCase{
		{name: "plain", args: []string{"-a", "@/svc"}},
		{name: "long option", args: []string{"--add", "@/plain"}},
		{name: "trailing slash", args: []string{"-a", "@/svc/"}},
		{name: "two trailing slashes", args: []string{"-a", "@/svc//"}},
		{name: "with a name", args: []string{"--add", "@/svc", "web"}},
		{name: "with an empty name", args: []string{"--add", "@/svc", ""}},
		{name: "extra arguments", args: []string{"-a", "@/svc", "web", "more"}},
		{name: "twice", args: []string{"-a", "@/svc"},
			setup: linked("@/svc", "service/svc")},
		{name: "twice, the second with a trailing slash", args: []string{"-a", "@/svc/"},
			setup: linked("@/svc", "service/svc")},
		{name: "name is a directory", args: []string{"-a", "@/svc"},
			setup: made("service/svc")},
		{name: "name is a file", args: []string{"-a", "@/svc", "x"},
			setup: written("service/x", "")},
		{name: "name points elsewhere", args: []string{"-a", "@/svc"},
			setup: linked("@/other", "service/svc")},
		{name: "name points to the same directory by another path", args: []string{"-a", "@/svc"},
			setup: linked("../svc", "service/svc")},
		{name: "scanned directory missing", args: []string{"-a", "@/svc"}, env: []string{"SVDIR=@/nothing"}},
		{name: "scanned directory with a trailing slash", args: []string{"-a", "@/svc"}, env: []string{"SVDIR=@/service/"}},
		{name: "not under /etc: supervise/ left alone", args: []string{"-a", "@/svc"},
			setup: steps(made("svc/supervise"), written("svc/supervise/status", "old"))},
		{name: "supervise left behind, not running", args: []string{"-a", "@/svc"},
			setup: stopped("svc")},
	})
}

// superviseOnce runs the side's supervise on dir until it is up, then
// stops it with svc -dx and waits for it: the supervise/ directory is left,
// with no one reading supervise/ok.
func superviseOnce(t *testing.T, s usSide, dir string) {
	t.Helper()
	sup := startSupervise(t, s, dir)
	if out, err := exec.Command(s.tool("svc"), "-dx", dir).CombinedOutput(); err != nil {
		t.Fatalf("svc -dx: %v %s", err, out)
	}
	sup.wait(t)
}

// supervisor is a supervise process started by a test.
type supervisor struct {
	dir     string
	service int // the pid of ./run
	done    chan error
}

// startSupervise starts the side's supervise on dir and waits until its
// ./run (sleep) runs and svok says yes.
func startSupervise(t *testing.T, s usSide, dir string) *supervisor {
	t.Helper()
	cmd := exec.Command(s.tool("supervise"), dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sup := &supervisor{dir: dir, done: make(chan error, 1)}
	go func() { sup.done <- cmd.Wait() }()
	testkit.Eventually(t, 10*time.Second, func() bool {
		for _, p := range testkit.Procs(func(p testkit.Proc) bool {
			return p.Cwd == dir && p.PPID == cmd.Process.Pid && len(p.Argv) > 0 && p.Argv[0] == "sleep"
		}) {
			sup.service = p.PID
		}
		return sup.service != 0 && exec.Command(s.tool("svok"), dir).Run() == nil
	}, "%s supervise %s: service not up", s.name, dir)
	return sup
}

// wait waits for supervise to exit, and checks that it exits 0.
func (sup *supervisor) wait(t *testing.T) {
	t.Helper()
	select {
	case err := <-sup.done:
		if err != nil {
			t.Errorf("supervise %s: %v", sup.dir, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("supervise %s still running 10 s after svc -dx", sup.dir)
	}
}

func TestUpdateServiceListAndCheckLikeDebian(t *testing.T) {
	root := t.TempDir()
	testkit.KillAllAtCleanup(t, []string{root})
	registered := steps(linked("@/svc", "service/svc"), linked("@/plain", "service/b-plain"),
		linked("@/gone", "service/dangling"), made("service/a-dir"), written("service/.hidden", ""))
	compareUpdateService(t, root, []usCase{
		{name: "list all", args: []string{"-l"}, setup: registered},
		{name: "list all, empty", args: []string{"--list"}},
		{name: "list all, scanned directory missing", args: []string{"-l"}, env: []string{"SVDIR=@/nothing"}},
		{name: "list one registered", args: []string{"-l", "svc"}, setup: registered},
		{name: "list one registered, trailing slash", args: []string{"--list", "svc/"}, setup: registered},
		{name: "list one dangling", args: []string{"-l", "dangling"}, setup: registered},
		{name: "list one not registered", args: []string{"-l", "nothing"}, setup: registered},
		{name: "list one that is a directory", args: []string{"-l", "a-dir"}, setup: registered},
		{name: "check all", args: []string{"-c"}, setup: registered},
		{name: "check all, scanned directory missing", args: []string{"--check"}, env: []string{"SVDIR=@/nothing"}},
		{name: "check one registered", args: []string{"-c", "svc"}, setup: registered},
		{name: "check one not registered", args: []string{"--check", "nothing"}, setup: registered},
		{name: "check one that is a directory", args: []string{"-c", "a-dir"}, setup: registered},
		// The default, /etc/service, is only read.
		{name: "SVDIR empty: list /etc/service", args: []string{"-l"}, env: []string{"SVDIR="}},
		{name: "SVDIR empty: list one in /etc/service", args: []string{"-l", "zz-dtgo-none"}, env: []string{"SVDIR="}},
		{name: "SVDIR empty: check one in /etc/service", args: []string{"-c", "zz-dtgo-none"}, env: []string{"SVDIR="}},
	})
}

func TestUpdateServiceRemoveLikeDebian(t *testing.T) {
	root := t.TempDir()
	testkit.KillAllAtCleanup(t, []string{root})
	compareUpdateService(t, root, []usCase{
		// No supervise runs: svc warns, exits 0, and the removal stands.
		{name: "registered, with a logger", args: []string{"-r", "@/svc"}, setup: linked("@/svc", "service/svc")},
		{name: "registered, without a logger", args: []string{"--remove", "@/plain"}, setup: linked("@/plain", "service/plain")},
		{name: "registered, trailing slash", args: []string{"-r", "@/svc/"}, setup: linked("@/svc", "service/svc")},
		{name: "registered under a name", args: []string{"-r", "@/svc", "web"}, setup: linked("@/svc", "service/web")},
		{name: "registered, supervise left behind", args: []string{"-r", "@/svc"},
			setup: steps(linked("@/svc", "service/svc"), stopped("svc"))},
		{name: "not registered", args: []string{"-r", "@/svc"}},
		{name: "a directory, not a link", args: []string{"-r", "@/svc"},
			setup: made("service/svc")},
		{name: "a link elsewhere", args: []string{"-r", "@/svc"}, setup: linked("@/other", "service/svc")},
		{name: "a relative link to the same directory", args: []string{"-r", "@/svc"}, setup: linked("../svc", "service/svc")},
		{name: "a dangling link", args: []string{"-r", "@/svc"}, setup: linked("@/gone", "service/svc")},
		{name: "scanned directory missing", args: []string{"-r", "@/svc"}, env: []string{"SVDIR=@/nothing"}},
	})
}

// TestUpdateServiceRemoveStopsRunningServiceLikeDebian removes a service
// whose supervise and logger's supervise run (/usr/bin's for Debian's
// script, ours for ours): both say the same, and each supervise takes its
// service down and exits.
func TestUpdateServiceRemoveStopsRunningServiceLikeDebian(t *testing.T) {
	root := t.TempDir()
	testkit.KillAllAtCleanup(t, []string{root})
	var running []*supervisor
	compareUpdateService(t, root, []usCase{{
		name: "service and logger running",
		args: []string{"--remove", "@/svc"},
		setup: func(t *testing.T, root string, s usSide) {
			symlink(t, filepath.Join(root, "svc"), filepath.Join(root, "service/svc"))
			running = []*supervisor{
				startSupervise(t, s, filepath.Join(root, "svc")),
				startSupervise(t, s, filepath.Join(root, "svc/log")),
			}
		},
		after: func(t *testing.T, root string, s usSide, r usResult) {
			for _, sup := range running {
				sup.wait(t)
				testkit.Eventually(t, 10*time.Second, func() bool {
					p, ok := testkit.ReadProc(sup.service)
					return !ok || p.Gone()
				}, "%s: the service of %s (pid %d) still runs", s.name, sup.dir, sup.service)
			}
			if r.code != 0 {
				t.Errorf("%s: exit %d, stderr %q", s.name, r.code, r.stderr)
			}
		},
	}})
}

// etcDir makes a directory under /etc/, where update-service's rule for
// service directories under /etc/ applies (it looks at the path only), and
// removes it at the end of the test, its processes killed first.  It is
// the one place outside temporary directories these tests write to;
// nothing there is ever run with its supervise/ linked into
// /var/lib/supervise, except in a mount namespace of its own
// (TestUpdateServiceUnderEtcRunsWithStateInVarLibSupervise).
func etcDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/etc", "dtgo-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove %s: %v", dir, err)
		}
	})
	testkit.KillAllAtCleanup(t, []string{dir})
	return dir
}

func TestUpdateServiceAddUnderEtcLinksSuperviseLikeDebian(t *testing.T) {
	root := etcDir(t)
	compareUpdateService(t, root, []usCase{
		{name: "with a logger", args: []string{"-a", "@/svc"}},
		{name: "with a logger, under a name", args: []string{"--add", "@/svc/", "web"}},
		{name: "without a logger", args: []string{"-a", "@/plain"}},
		{name: "log is a file", args: []string{"-a", "@/plain"},
			setup: written("plain/log", "")},
		{name: "log is a link to a directory", args: []string{"-a", "@/plain"},
			setup: steps(made("logdir"), linked("../logdir", "plain/log"))},
		{name: "supervise/ left by a stopped supervise", args: []string{"-a", "@/svc"},
			setup: stopped("svc", "svc/log")},
		{name: "supervise a link already", args: []string{"-a", "@/svc"},
			setup: steps(made("state"), linked("../state", "svc/supervise"))},
		{name: "supervise a dangling link", args: []string{"-a", "@/svc"},
			setup: linked("@/gone", "svc/supervise")},
		{name: "only log/supervise not a link", args: []string{"-a", "@/svc"},
			setup: steps(linked("/var/lib/supervise/svc", "svc/supervise"), made("svc/log/supervise"))},
		{name: "a supervise file, not a directory", args: []string{"-a", "@/plain"},
			setup: written("plain/supervise", "x")},
		{name: "already added: supervise/ left alone", args: []string{"-a", "@/svc"},
			setup: steps(made("svc/supervise"), linked("@/svc", "service/svc"))},
		{name: "name points elsewhere: supervise/ left alone", args: []string{"-a", "@/svc"},
			setup: steps(made("svc/supervise"), linked("@/other", "service/svc"))},
		// Both make the links, then fail in ln.
		{name: "scanned directory missing", args: []string{"-a", "@/svc"}, env: []string{"SVDIR=@/nothing"}},
		{name: "remove leaves the links", args: []string{"-r", "@/svc"},
			setup: steps(linked("/var/lib/supervise/svc", "svc/supervise"),
				linked("/var/lib/supervise/svc.log", "svc/log/supervise"), linked("@/svc", "service/svc"))},
	})
}

// TestUpdateServiceAddRefusesSupervisedDirectory is a deliberate
// difference (update-service(8), COMPATIBILITY): with a supervise running
// on the directory, Debian's script, whose check is runit's sv stat
// (which fails on daemontools' 18-byte status, as it fails where sv is
// not installed), adds it, and under /etc/ deletes the live supervise/
// directory; ours asks svok and refuses, changing nothing.
func TestUpdateServiceAddRefusesSupervisedDirectory(t *testing.T) {
	running := func(t *testing.T, root string, s usSide) {
		startSupervise(t, s, filepath.Join(root, "svc"))
	}
	check := func(name string) usCheck {
		return func(t *testing.T, root string, s usSide, r usResult) {
			link := filepath.Join(root, "service", name)
			_, linkErr := os.Lstat(link)
			fi, supErr := os.Lstat(filepath.Join(root, "svc/supervise"))
			stateKept := supErr == nil && fi.IsDir()
			if s.name == "Debian's" {
				want(t, s, r, 0, "Service "+name+" added.\n", "")
				if linkErr != nil {
					t.Errorf("Debian's made no link %s: %v", link, linkErr)
				}
				if under := strings.HasPrefix(root, "/etc/"); stateKept == under {
					t.Errorf("Debian's: supervise/ kept %v under /etc/ %v (%v %v)", stateKept, under, fi, supErr)
				}
				return
			}
			want(t, s, r, 1, "", "update-service: fatal: "+filepath.Join(root, "svc")+" is currently controlled by a supervise(8) process.\n\n")
			if linkErr == nil {
				t.Errorf("ours made the link %s", link)
			}
			if !stateKept {
				t.Errorf("ours changed svc/supervise/: %v %v", fi, supErr)
			}
		}
	}
	root := t.TempDir()
	testkit.KillAllAtCleanup(t, []string{root})
	compareUpdateService(t, root, []usCase{
		{name: "running", args: []string{"-a", "@/svc"}, setup: running, differs: check("svc")},
	})
	// Under /etc/ a name of its own: the supervise/ link Debian's makes
	// points to /var/lib/supervise/NAME, which must not exist here (the
	// running supervise writes its status through it).
	etc := etcDir(t)
	name := filepath.Base(etc)
	if _, err := os.Lstat("/var/lib/supervise/" + name); err == nil {
		t.Fatalf("/var/lib/supervise/%s exists", name)
	}
	compareUpdateService(t, etc, []usCase{
		{name: "running under /etc/", args: []string{"-a", "@/svc", name}, setup: running, differs: check(name)},
	})
}

// TestUpdateServiceAddRefusesDanglingLinkBeforeChanging is a deliberate
// difference: a dangling link under the name is, for Debian's script, no
// entry, so it makes the supervise links under /etc/ and then fails in ln;
// ours refuses it as a link that points elsewhere, before any change.
func TestUpdateServiceAddRefusesDanglingLinkBeforeChanging(t *testing.T) {
	root := etcDir(t)
	compareUpdateService(t, root, []usCase{{
		name:  "dangling link under the name",
		args:  []string{"-a", "@/svc"},
		setup: linked("@/gone", "service/svc"),
		differs: func(t *testing.T, root string, s usSide, r usResult) {
			link := filepath.Join(root, "service/svc")
			_, err := os.Lstat(filepath.Join(root, "svc/supervise"))
			if s.name == "Debian's" {
				want(t, s, r, 1, "", "ln: failed to create symbolic link '"+link+"': File exists\n")
				if err != nil {
					t.Errorf("Debian's made no supervise link: %v", err)
				}
				return
			}
			want(t, s, r, 1, "", "update-service: fatal: "+link+" exists, but doesn't point to "+filepath.Join(root, "svc")+".\n\n")
			if err == nil {
				t.Error("ours made a supervise link")
			}
		},
	}})
}

// TestUpdateServicePassesPathsAfterDoubleDash is a deliberate difference:
// a relative SVDIR beginning with a dash is a directory for ours, an
// option of ls and ln for Debian's.
func TestUpdateServicePassesPathsAfterDoubleDash(t *testing.T) {
	root := t.TempDir()
	testkit.KillAllAtCleanup(t, []string{root})
	dashed := steps(made("-j"), linked("@/svc", "-j/svc"))
	compareUpdateService(t, root, []usCase{
		{name: "list", args: []string{"-l"}, env: []string{"SVDIR=-j"}, setup: dashed,
			differs: func(t *testing.T, root string, s usSide, r usResult) {
				if s.name == "Debian's" {
					if r.code != 2 || !strings.HasPrefix(r.stderr, "ls: invalid option -- 'j'\n") {
						t.Errorf("Debian's: exit %d, stderr %q", r.code, r.stderr)
					}
					return
				}
				want(t, s, r, 0, "svc\n", "")
			}},
		{name: "add", args: []string{"-a", "@/plain"}, env: []string{"SVDIR=-j"}, setup: dashed,
			differs: func(t *testing.T, root string, s usSide, r usResult) {
				_, err := os.Lstat(filepath.Join(root, "-j/plain"))
				if s.name == "Debian's" {
					if r.code != 1 || !strings.HasPrefix(r.stderr, "ln: invalid option -- 'j'\n") || err == nil {
						t.Errorf("Debian's: exit %d, stderr %q, link: %v", r.code, r.stderr, err)
					}
					return
				}
				want(t, s, r, 0, "Service plain added.\n", "")
				if err != nil {
					t.Errorf("ours: no link: %v", err)
				}
			}},
	})
}

// TestUpdateServiceUnderEtcRunsWithStateInVarLibSupervise adds a logged
// service under /etc/ (Debian's script for /usr/bin's svscan, ours for
// ours), then runs svscan on the scanned directory in a mount namespace of
// its own, where a temporary directory is mounted on /var/lib: the
// service and its logger run, and their state is in
// /var/lib/supervise/NAME and NAME.log, which supervise made because the
// links dangled, never on the host's /var/lib.
func TestUpdateServiceUnderEtcRunsWithStateInVarLibSupervise(t *testing.T) {
	sides := updateServiceSides(t)
	unshare, nsenter := need(t, "unshare"), need(t, "nsenter")
	etc := etcDir(t)
	name := filepath.Base(etc) // unique: /var/lib/supervise/NAME
	dir, svdir := filepath.Join(etc, name), filepath.Join(etc, "service")
	var states [2]string
	for i, s := range sides {
		resetTree(t, etc)
		varLib := t.TempDir()
		testkit.KillAllAtCleanup(t, []string{varLib})
		for _, d := range []string{svdir, dir + "/log", varLib + "/supervise"} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		testkit.WriteScript(t, dir+"/run", "#!/bin/sh\necho started\nexec sleep 1000\n")
		testkit.WriteScript(t, dir+"/log/run", "#!/bin/sh\nexec cat >>seen\n")

		r := runUpdateService(t, s, etc, usCase{args: []string{"-a", dir}})
		want(t, s, r, 0, "Service "+name+" added.\n", "")
		for link, target := range map[string]string{
			dir + "/supervise":     "/var/lib/supervise/" + name,
			dir + "/log/supervise": "/var/lib/supervise/" + name + ".log",
		} {
			if got, err := os.Readlink(link); err != nil || got != target {
				t.Fatalf("%s: %s -> %q (%v), want %s", s.name, link, got, err, target)
			}
		}

		svscan := exec.Command(unshare, "--mount", "--propagation", "private",
			"sh", "-c", `mount --bind "$1" /var/lib && exec svscan "$2"`, "sh", varLib, svdir)
		svscan.Env = []string{"PATH=" + s.path}
		var stderr strings.Builder
		svscan.Stderr = &stderr
		if err := svscan.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- svscan.Wait() }()
		seen := dir + "/log/seen"
		testkit.Until(t, 20*time.Second, func() bool {
			b, _ := os.ReadFile(seen)
			return string(b) == "started\n"
		}, func() string {
			b, err := os.ReadFile(seen)
			return fmt.Sprintf("%s: %s holds %q (%v); svscan: %s", s.name, seen, b, err, stderr.String())
		})
		// svstat inside the namespace, through the links.
		out, err := exec.Command(nsenter, "--target", fmt.Sprint(svscan.Process.Pid), "--mount", "--",
			s.tool("svstat"), svdir+"/"+name, svdir+"/"+name+"/log").CombinedOutput()
		if err != nil || strings.Count(string(out), ": up (pid ") != 2 {
			t.Errorf("%s: svstat in the namespace: %v\n%s", s.name, err, out)
		}
		states[i] = treeOf(t, varLib)
		for _, p := range []string{name, name + ".log"} {
			if _, err := os.Stat(filepath.Join(varLib, "supervise", p, "status")); err != nil {
				t.Errorf("%s: no state in /var/lib/supervise/%s: %v", s.name, p, err)
			}
			if _, err := os.Lstat("/var/lib/supervise/" + p); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: the host's /var/lib/supervise/%s: %v", s.name, p, err)
			}
		}
		testkit.KillAll(t, []string{etc, varLib}, svscan.Process.Pid)
		<-done
	}
	if states[0] != states[1] {
		t.Errorf("/var/lib differs (C: Debian's and /usr/bin's):%s", testkit.LineDiff(states[0], states[1]))
	}
	t.Logf("/var/lib:\n%s", states[1])
}
