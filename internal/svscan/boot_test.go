package svscan

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// bootBin makes a directory for /usr/local/bin in the tests' mount
// namespaces: our svscanboot, svscan and readproctitle, and the svc,
// supervise and multilog in use.
func bootBin(t *testing.T) string {
	bin := t.TempDir()
	for _, name := range []string{"svscanboot", "svscan", "readproctitle"} {
		os.Symlink(testkit.Path(name), filepath.Join(bin, name))
	}
	for _, name := range []string{"svc", "supervise", "multilog"} {
		os.Symlink(tool(t, name), filepath.Join(bin, name))
	}
	return bin
}

// bootChildren waits for svscanboot's two children, svscan and
// readproctitle.
func bootChildren(t *testing.T, boot int) (scan, title proc) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, func() bool {
		scan, title = proc{}, proc{}
		for _, c := range children(boot) {
			switch filepath.Base(c.argv[0]) {
			case "svscan":
				scan = c
			case "readproctitle":
				title = c
			}
		}
		return scan.pid != 0 && title.pid != 0
	}, "svscanboot's children: %v", children(boot))
	return scan, title
}

// leftoverMark is in the environment of a leftover supervise's service.
const leftoverMark = "DTGO_LEFTOVER=1"

// startLeftover runs a supervise on dir, as left over from an earlier
// svscan, waits until its service is up and returns what Wait returns
// once it has exited.
func startLeftover(t *testing.T, dir string) <-chan error {
	cmd := exec.Command(tool(t, "supervise"), dir)
	// Its service's env.out tells it apart from the one svscanboot starts.
	cmd.Env = []string{"PATH=/usr/bin:/bin", leftoverMark}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Its service too, should the test end before svc -dx reached it.
	testkit.KillAllAtCleanup(t, []string{dir}, cmd.Process.Pid)
	waitUp(t, dir, 10*time.Second)
	return done
}

// startBoot starts cmd (svscanboot in its wrapper) and returns its pid;
// it and everything below it are killed at the end of the test.
func startBoot(t *testing.T, cmd *exec.Cmd, dirs ...string) int {
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		testkit.KillAll(t, dirs, cmd.Process.Pid)
		cmd.Wait()
	})
	return cmd.Process.Pid
}

// needNamespace skips the test without unshare(1), chroot(8) or root,
// and returns the two programs' paths.
func needNamespace(t *testing.T) (unshare, chroot string) {
	unshare, err1 := exec.LookPath("unshare")
	chroot, err2 := exec.LookPath("chroot")
	if err1 != nil || err2 != nil || os.Geteuid() != 0 {
		t.Skip("needs unshare(1), chroot(8) and root")
	}
	return unshare, chroot
}

// svscanBelow waits for the svscan that svscanboot boot starts, which must
// scan /service, and returns it.
func svscanBelow(t *testing.T, boot int, setup *strings.Builder) proc {
	t.Helper()
	var scan proc
	testkit.Eventually(t, 10*time.Second, func() bool {
		for _, c := range children(boot) {
			if filepath.Base(c.argv[0]) == "svscan" {
				scan = c
				return true
			}
		}
		return false
	}, "no svscan below svscanboot: %v; setup: %s", children(boot), setup.String())
	if strings.Join(scan.argv, " ") != "svscan /service" {
		t.Errorf("svscan argv %q, want [svscan /service]", scan.argv)
	}
	return scan
}

// bootInNamespace runs "svscanboot ARGS" in a private mount namespace
// whose / is a tmpfs holding the host's /usr, /etc, /dev, /proc, /tmp and
// library directories, dir on /service and our programs (bootBin) on
// /usr/local/bin, which comes before /usr/bin in svscanboot's PATH; the
// host's / is not touched. It returns svscanboot's pid and what the
// set-up wrote.
func bootInNamespace(t *testing.T, dir string, args ...string) (int, *strings.Builder) {
	unshare, chroot := needNamespace(t)
	root := t.TempDir()
	script := `set -e
mount -t tmpfs tmpfs "$ROOT"
for d in usr etc dev proc tmp; do mkdir "$ROOT/$d"; mount --rbind "/$d" "$ROOT/$d"; done
for d in bin sbin lib lib32 lib64 libx32; do
	if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$ROOT/$d"
	elif [ -d "/$d" ]; then mkdir "$ROOT/$d"; mount --rbind "/$d" "$ROOT/$d"; fi
done
mkdir "$ROOT/service"
mount --bind "$SERVICE" "$ROOT/service"
mount --bind "$BIN" "$ROOT/usr/local/bin"
exec "$CHROOT" "$ROOT" /usr/local/bin/svscanboot "$@"`
	cmd := exec.Command(unshare, append([]string{"-m", "--propagation", "private", "/bin/sh", "-c", script, "sh"}, args...)...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "ROOT=" + root, "SERVICE=" + dir, "BIN=" + bootBin(t), "CHROOT=" + chroot}
	setup := &strings.Builder{}
	cmd.Stderr = setup
	return startBoot(t, cmd, dir, root), setup
}

// TestSvscanbootRunsThePipelineOf076 runs svscanboot in a private mount
// namespace where our programs are bind-mounted on /usr/local/bin, which
// comes before /usr/bin in svscanboot's fixed PATH. It checks every step
// of 0.76's script: std descriptors on /dev/null; "svc -dx DIR/*
// DIR/*/log" stops a supervise left over from an earlier svscan; svscan
// and readproctitle run side by side with only PATH in their environment,
// svscan's stdout and stderr going to readproctitle, whose title shows
// svscan's warnings. It is started the way a shell's "&" starts a command
// (SIGINT and SIGQUIT ignored, and SIGHUP too, as nohup does): the services
// must get every signal at its default, so that svc -i and -h reach them.
func TestSvscanbootRunsThePipelineOf076(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("needs unshare(1) and root")
	}
	bin := bootBin(t)
	dir := t.TempDir()
	x := makeService(t, filepath.Join(dir, "x"), "#!/bin/sh\ngrep SigIgn /proc/self/status > sigign.out\nenv > env.out\nexec sleep 1000\n", "")
	os.Symlink(filepath.Join(t.TempDir(), "missing"), filepath.Join(dir, "broken"))

	// A supervise left over from an earlier svscan.
	leftoverDone := startLeftover(t, x)

	cmd := exec.Command(unshare, "-m", "/bin/sh", "-c",
		"trap '' HUP INT QUIT; mount --bind \"$0\" /usr/local/bin && exec /usr/local/bin/svscanboot \"$1\"", bin, dir)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "FOO=bar"}
	boot := startBoot(t, cmd, dir)

	select {
	case <-leftoverDone:
	case <-time.After(10 * time.Second):
		t.Fatal("svc -dx did not stop the leftover supervise")
	}

	scan, title := bootChildren(t, boot)
	if strings.Join(scan.argv[1:], " ") != dir {
		t.Errorf("svscan argv %q", scan.argv)
	}
	want := []string{"readproctitle", "service", "errors:", strings.Repeat(".", 400)}
	if len(title.argv) != 4 || strings.Join(title.argv[:3], " ") != strings.Join(want[:3], " ") || len(title.argv[3]) != 400 {
		t.Errorf("readproctitle argv %q", title.argv)
	}
	for fd := 0; fd < 3; fd++ {
		if l, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(boot), "fd", strconv.Itoa(fd))); l != "/dev/null" {
			t.Errorf("svscanboot fd %d is %s, want /dev/null", fd, l)
		}
	}
	out1, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(scan.pid), "fd", "1"))
	out2, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(scan.pid), "fd", "2"))
	in0, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(title.pid), "fd", "0"))
	if !strings.HasPrefix(out1, "pipe:") || out1 != out2 || out1 != in0 {
		t.Errorf("svscan stdout %s, stderr %s; readproctitle stdin %s", out1, out2, in0)
	}

	waitUp(t, x, 10*time.Second)
	testkit.Eventually(t, 10*time.Second, func() bool {
		p, ok := readProc(title.pid)
		return ok && strings.Contains(strings.Join(p.argv, " "), "svscan: warning: unable to stat broken: file does not exist")
	}, "svscan's warning not in readproctitle's title")
	// The leftover supervise ran the service first: wait for the run of
	// the one svscanboot started (it writes sigign.out before env.out).
	testkit.Eventually(t, 10*time.Second, func() bool {
		env := lines(filepath.Join(x, "env.out"))
		return len(env) > 0 && !contains(env, leftoverMark)
	}, "service did not run under svscanboot")
	// svscanboot itself still shrugs SIGINT off, as when it was ignored.
	syscall.Kill(boot, syscall.SIGINT)
	testkit.Eventually(t, 10*time.Second, func() bool { return len(lines(filepath.Join(x, "sigign.out"))) > 0 },
		"service did not record its ignored signals")
	if l := lines(filepath.Join(x, "sigign.out")); len(l) != 1 || !strings.HasPrefix(l[0], "SigIgn:") {
		t.Errorf("sigign.out: %q", l)
	} else if mask, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(l[0], "SigIgn:")), 16, 64); err != nil || mask&7 != 0 {
		t.Errorf("service started with %s (HUP, INT or QUIT ignored)", l[0])
	}
	if p, ok := readProc(boot); !ok || p.state == 'Z' {
		t.Errorf("svscanboot ended on SIGINT")
	}
	for _, kv := range lines(filepath.Join(x, "env.out")) {
		name, value, _ := strings.Cut(kv, "=")
		switch name {
		case "PATH":
			if value != BootPath {
				t.Errorf("service PATH %q, want %q", value, BootPath)
			}
		case "PWD": // set by the run script's sh
		default:
			t.Errorf("service environment has %s", kv)
		}
	}
}

// TestSvscanbootDefaultsToServiceAndStopsLeftoverLoggers runs svscanboot
// with no argument in a private mount namespace and root (a tmpfs with
// the system's directories bound in, our programs on /usr/local/bin and
// a service directory of the test's on /service; the host's / is not
// touched): svscan scans /service, and "svc -dx DIR/* DIR/*/log" stops
// the supervise of a service and the one of its log left over from an
// earlier svscan, as 0.76's script does.
func TestSvscanbootDefaultsToServiceAndStopsLeftoverLoggers(t *testing.T) {
	needNamespace(t)
	dir := t.TempDir()
	x := makeService(t, filepath.Join(dir, "x"), sleeper, "#!/bin/sh\nexec cat > out\n")
	xlog := filepath.Join(x, "log")

	// Supervisors left over from an earlier svscan, for x and for x/log.
	leftovers := []<-chan error{startLeftover(t, x), startLeftover(t, xlog)}
	oldRun := waitUp(t, x, time.Second)
	oldLog := waitUp(t, xlog, time.Second)

	_, err := os.Lstat("/service")
	hostHasService := err == nil
	boot, setup := bootInNamespace(t, dir)

	for i, done := range leftovers {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("svc -dx did not stop the leftover supervise of %s; setup: %s", []string{"x", "x/log"}[i], setup.String())
		}
	}
	scan := svscanBelow(t, boot, setup)
	// The svscan in the namespace runs x and x/log afresh from /service.
	testkit.Eventually(t, 20*time.Second, func() bool {
		rec, ok := status(x)
		lrec, lok := status(xlog)
		return ok && lok && rec.PID != 0 && lrec.PID != 0 && rec.PID != oldRun && lrec.PID != oldLog
	}, "x and x/log not restarted under the new svscan")
	testkit.Eventually(t, 10*time.Second, func() bool {
		var argv []string
		for _, c := range children(scan.pid) {
			argv = append(argv, strings.Join(c.argv, " "))
		}
		return contains(argv, "supervise x") && contains(argv, "supervise log")
	}, "svscan's children: %v", children(scan.pid))
	if _, err := os.Lstat("/service"); (err == nil) != hostHasService {
		t.Errorf("the host's /service changed: %v", err)
	}
}

// TestSvscanbootKeepLeavesLeftoversRunning: with -k, svscanboot skips
// "svc -dx": the supervise of a service and of its log left over from an
// earlier svscan keep running, and the new svscan takes them over (no
// second supervise, no restart). Same namespace as the test above.
func TestSvscanbootKeepLeavesLeftoversRunning(t *testing.T) {
	needNamespace(t)
	dir := t.TempDir()
	addMarker(t, dir)
	// The logger sleeps: a leftover supervise reads /dev/null, where cat
	// would end at once and be restarted every second, and the test would
	// see a new pid whenever it ran longer than that.
	x := makeService(t, filepath.Join(dir, "x"), sleeper, sleeper)
	xlog := filepath.Join(x, "log")
	leftovers := []<-chan error{startLeftover(t, x), startLeftover(t, xlog)}
	oldRun := waitUp(t, x, time.Second)
	oldLog := waitUp(t, xlog, time.Second)

	boot, setup := bootInNamespace(t, dir, "-k", "/service")

	scan := svscanBelow(t, boot, setup)
	// svscan's warnings reach readproctitle's title: once it has shown
	// the marker's warning of a scan started after ALRM, svscan has
	// looked at x twice.
	warnings := func() int {
		for _, c := range children(boot) {
			if filepath.Base(c.argv[0]) == "readproctitle" {
				return strings.Count(strings.Join(c.argv, " "), "zz-marker")
			}
		}
		return 0
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return warnings() > 0 }, "svscan did not scan")
	syscall.Kill(scan.pid, syscall.SIGALRM)
	testkit.Eventually(t, 10*time.Second, func() bool { return warnings() > 1 }, "svscan did not scan on ALRM")
	for i, done := range leftovers {
		select {
		case err := <-done:
			t.Fatalf("the leftover supervise of %s exited (%v)", []string{"x", "x/log"}[i], err)
		default:
		}
	}
	if kids := children(scan.pid); len(kids) != 0 {
		t.Fatalf("svscan started %v beside the leftovers", kids)
	}
	if rec, _ := status(x); rec.PID != oldRun {
		t.Errorf("x restarted: %d, was %d", rec.PID, oldRun)
	}
	if rec, _ := status(xlog); rec.PID != oldLog {
		t.Errorf("x/log restarted: %d, was %d", rec.PID, oldLog)
	}
}

// TestSvscanbootHandsOnSvscanSettings: beyond 0.76, svscanboot hands
// svscan SVSCAN_MODE and SVSCAN_SHUTDOWN_TIMEOUT from its own environment
// (the init script's settings), and nothing else; readproctitle and the
// services still get PATH alone.
func TestSvscanbootHandsOnSvscanSettings(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("needs unshare(1) and root")
	}
	bin := bootBin(t)
	dir := t.TempDir()
	x := makeService(t, filepath.Join(dir, "x"), "#!/bin/sh\nenv > env.out\nexec sleep 1000\n", "")
	cmd := exec.Command(unshare, "-m", "/bin/sh", "-c",
		"mount --bind \"$0\" /usr/local/bin && exec /usr/local/bin/svscanboot -k \"$1\"", bin, dir)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "FOO=bar", inprocessEnv, timeoutVar + "=7"}
	boot := startBoot(t, cmd, dir)
	scan, title := bootChildren(t, boot)
	environ := func(pid int) string {
		b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "environ"))
		return strings.ReplaceAll(strings.TrimSuffix(string(b), "\x00"), "\x00", " ")
	}
	if got, want := environ(scan.pid), "PATH="+BootPath+" "+inprocessEnv+" "+timeoutVar+"=7"; got != want {
		t.Errorf("svscan's environment %q, want %q", got, want)
	}
	if got := environ(title.pid); got != "PATH="+BootPath {
		t.Errorf("readproctitle's environment %q", got)
	}
	// The mode took: svscan supervises x itself.
	waitUp(t, x, 10*time.Second)
	if holder, _ := svstatus.LockHolder(filepath.Join(x, svstatus.Lock)); holder != scan.pid {
		t.Errorf("x's lock held by %d, not by svscan %d", holder, scan.pid)
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return len(lines(filepath.Join(x, "env.out"))) > 0 }, "x did not run")
	for _, kv := range lines(filepath.Join(x, "env.out")) {
		name, _, _ := strings.Cut(kv, "=")
		if name != "PATH" && name != "PWD" && name != modeVar && name != timeoutVar {
			t.Errorf("service environment has %s", kv)
		}
	}
}
