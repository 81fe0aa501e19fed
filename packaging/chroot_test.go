package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
	"golang.org/x/sys/unix"
)

// The install test runs dpkg in a Debian bookworm chroot made by
// debootstrap --variant=minbase.  The chroot is kept as a tarball in
// cacheDir (and debootstrap's downloads in its --cache-dir), so only the
// first run on a machine needs the network.
const (
	cacheDir    = "/var/cache/daemontools-go-tests"
	rootTarball = cacheDir + "/bookworm-minbase.tar.zst"
	mirror      = "http://deb.debian.org/debian"
)

// madeDirs is where postinst records the directories it made, for purge.
const madeDirs = "/var/lib/daemontools-go/made-dirs"

// chrootTarball returns the cached chroot, making it first if needed.  A
// lock keeps two test runs from building it at once.
func chrootTarball(t *testing.T) string {
	t.Helper()
	if err := os.MkdirAll(cacheDir+"/debootstrap-debs", 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(cacheDir+"/.lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		t.Fatalf("lock %s: %v", lock.Name(), err)
	}
	if _, err := os.Stat(rootTarball); err == nil {
		return rootTarball
	}
	debootstrap := need(t, "debootstrap")
	build, err := os.MkdirTemp(cacheDir, "build-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(build)
	start := time.Now()
	output(t, 10*time.Minute, debootstrap, "--variant=minbase", "--cache-dir="+cacheDir+"/debootstrap-debs",
		"bookworm", build+"/root", mirror)
	tmp := rootTarball + ".tmp"
	output(t, 5*time.Minute, "tar", "-C", build+"/root", "--zstd", "-cf", tmp, ".")
	if err := os.Rename(tmp, rootTarball); err != nil {
		t.Fatal(err)
	}
	t.Logf("made %s in %v", rootTarball, time.Since(start).Round(time.Second))
	return rootTarball
}

// The chroot is unpacked once per test run into template; each test gets
// an overlay of it, so that the tests running at once do not each unpack
// 200 MB.  Where overlayfs is refused, a test unpacks its own copy.
var (
	templateOnce sync.Once
	template     string
	templateErr  error
)

func unpackTemplate(t *testing.T) (string, error) {
	tarball := chrootTarball(t)
	templateOnce.Do(func() {
		template = filepath.Join(scratch, "template")
		if templateErr = os.Mkdir(template, 0o755); templateErr == nil {
			_, templateErr = command(5*time.Minute, "tar", "-C", template, "--zstd", "-xf", tarball)
		}
	})
	return template, templateErr
}

// newChroot makes a fresh chroot from the cached one, with a policy-rc.d
// that forbids starting or stopping any service.
func newChroot(t *testing.T) string {
	t.Helper()
	lower, err := unpackTemplate(t)
	if err != nil {
		t.Fatalf("unpack chroot: %v", err)
	}
	base := t.TempDir()
	dir := filepath.Join(base, "root")
	for _, d := range []string{dir, base + "/upper", base + "/work"} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	opts := "lowerdir=" + lower + ",upperdir=" + base + "/upper,workdir=" + base + "/work"
	if err := unix.Mount("overlay", dir, "overlay", 0, opts); err == nil {
		t.Cleanup(func() {
			if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
				t.Errorf("umount %s: %v", dir, err)
			}
		})
	} else {
		t.Logf("overlayfs refused (%v): unpacking a copy", err)
		output(t, 5*time.Minute, "tar", "-C", dir, "--zstd", "-xf", chrootTarball(t))
	}
	policy := "#!/bin/sh\n# daemontools-go test: no daemon may start in this chroot.\nexit 101\n"
	if err := os.WriteFile(dir+"/usr/sbin/policy-rc.d", []byte(policy), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chrootTest starts a test that needs a chroot: as root only, in parallel
// with the others.
func chrootTest(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (chroot, mount, dpkg, rpm --root)")
	}
	need(t, "tar")
	need(t, "zstd")
	t.Parallel()
	return newChroot(t)
}

// copyIn copies the packages into the chroot's /tmp and returns their
// paths there.
func copyIn(t *testing.T, dir string, pkgs ...string) []string {
	t.Helper()
	var inside []string
	for _, p := range pkgs {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		in := "/tmp/" + filepath.Base(p)
		if err := os.WriteFile(dir+in, data, 0o644); err != nil {
			t.Fatal(err)
		}
		inside = append(inside, in)
	}
	return inside
}

// inChroot runs a command inside the chroot with a clean environment and
// returns its standard output and error.
func inChroot(t *testing.T, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "chroot", append([]string{dir}, args...)...)
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"DEBIAN_FRONTEND=noninteractive", "LC_ALL=C"}
	// A daemon that kept the output pipe open must not hang the test.
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chroot %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// snapshot lists every path of the chroot outside the places dpkg and
// the tools themselves write to (its database, logs, caches, /tmp).
func snapshot(t *testing.T, dir string) map[string]fs.FileMode {
	t.Helper()
	skip := []string{"/proc", "/sys", "/dev", "/run", "/tmp", "/var/log", "/var/lib/dpkg", "/var/cache", "/usr/sbin/policy-rc.d"}
	paths := map[string]fs.FileMode{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, dir)
		if slices.Contains(skip, rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		paths[rel] = d.Type()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// diff lists what b has that a lacks and the other way round.
func diff(a, b map[string]fs.FileMode) (added, removed []string) {
	for p := range b {
		if _, ok := a[p]; !ok {
			added = append(added, p)
		}
	}
	for p := range a {
		if _, ok := b[p]; !ok {
			removed = append(removed, p)
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	return added, removed
}

func exists(dir, p string) bool {
	_, err := os.Lstat(dir + p)
	return err == nil
}

func dpkgStatus(t *testing.T, dir string) string {
	t.Helper()
	out, err := command(time.Minute, "chroot", dir, "dpkg-query", "-W", "-f", "${db:Status-Abbrev}${Version}", "daemontools-go")
	if err != nil {
		return "not-installed"
	}
	return strings.TrimSpace(out)
}

// TestDebInstallUpgradeRemovePurgeInChroot installs the .deb, upgrades it,
// removes it and purges it in a minimal bookworm, with policy-rc.d
// forbidding starts; after purge nothing of the package is left.
func TestDebInstallUpgradeRemovePurgeInChroot(t *testing.T) {
	start := time.Now()
	dir := chrootTest(t)
	t.Logf("chroot ready in %v", time.Since(start).Round(time.Millisecond))
	debs := copyIn(t, dir, debPath(dist, testVersion), debPath(filepath.Join(dist, "upgrade"), upgradeVersion))
	v1, v2 := debs[0], debs[1]
	before := snapshot(t, dir)

	// Install: files in place, /service made, unit enabled, SysV links
	// made, and policy-rc.d asked before starting svscan.
	out := inChroot(t, dir, "dpkg", "-i", v1)
	if got := dpkgStatus(t, dir); got != "ii "+testVersion+"-1" {
		t.Fatalf("after install: %q\n%s", got, out)
	}
	if !strings.Contains(out, "policy-rc.d denied execution of start") {
		t.Errorf("postinst did not go through invoke-rc.d start:\n%s", out)
	}
	for _, p := range []string{"/usr/bin/svscan", "/etc/init.d/svscan", "/etc/default/svscan",
		"/lib/systemd/system/svscan.service", "/etc/systemd/system/multi-user.target.wants/svscan.service",
		"/etc/rc2.d/S01svscan", "/etc/rc0.d/K01svscan", "/usr/sbin/update-service", "/var/lib/supervise"} {
		if !exists(dir, p) {
			t.Errorf("after install: no %s", p)
		}
	}
	if fi, err := os.Stat(dir + "/service"); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o755 {
		t.Errorf("after install: /service: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(dir + madeDirs); string(b) != "/service\n" {
		t.Errorf("after install: %s holds %q, want /service", madeDirs, b)
	}

	// Upgrade keeps the administrator's settings and does not touch svscan.
	settings := "SVSCAN_DIR=/service\n# changed by the administrator\n"
	if err := os.WriteFile(dir+"/etc/default/svscan", []byte(settings), 0o644); err != nil {
		t.Fatal(err)
	}
	out = inChroot(t, dir, "dpkg", "--force-confold", "-i", v2)
	if got := dpkgStatus(t, dir); got != "ii "+upgradeVersion+"-1" {
		t.Fatalf("after upgrade: %q\n%s", got, out)
	}
	if b, _ := os.ReadFile(dir + "/etc/default/svscan"); string(b) != settings {
		t.Errorf("upgrade replaced /etc/default/svscan: %q", b)
	}
	if strings.Contains(out, "restart") || strings.Contains(out, "stop") {
		t.Errorf("upgrade asked to stop or restart svscan:\n%s", out)
	}

	// Remove leaves only configuration.
	out = inChroot(t, dir, "dpkg", "-r", "daemontools-go")
	if got := dpkgStatus(t, dir); got != "rc "+upgradeVersion+"-1" {
		t.Fatalf("after remove: %q\n%s", got, out)
	}
	if !strings.Contains(out, "policy-rc.d denied execution of stop") {
		t.Errorf("prerm did not go through invoke-rc.d stop:\n%s", out)
	}
	added, _ := diff(before, snapshot(t, dir))
	for _, p := range added {
		if !strings.HasPrefix(p, "/etc/") && p != "/service" && !strings.HasPrefix(p, "/var/lib/systemd/deb-systemd-helper-") &&
			p != filepath.Dir(madeDirs) && p != madeDirs && p != filepath.Dir(madeDirs)+"/svscan.env" {
			t.Errorf("after remove: %s left, which is not configuration", p)
		}
	}
	for _, p := range []string{"/etc/default/svscan", "/etc/init.d/svscan"} {
		if !exists(dir, p) {
			t.Errorf("after remove: conffile %s gone", p)
		}
	}

	// Purge leaves nothing, not even the empty /service.
	out = inChroot(t, dir, "dpkg", "--purge", "daemontools-go")
	if got := dpkgStatus(t, dir); got != "not-installed" && !strings.HasPrefix(got, "un") {
		t.Fatalf("after purge: %q\n%s", got, out)
	}
	added, removed := diff(before, snapshot(t, dir))
	if len(added)+len(removed) > 0 {
		t.Errorf("after purge: left %q, removed %q", added, removed)
	}

	// A service tree in /service is the administrator's: purge keeps it.
	inChroot(t, dir, "dpkg", "-i", v2)
	if err := os.MkdirAll(dir+"/service/web", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/service/web/run", []byte("#!/bin/sh\nexec sleep 1000\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	inChroot(t, dir, "dpkg", "--purge", "daemontools-go")
	if !exists(dir, "/service/web/run") {
		t.Error("purge removed a service directory")
	}
	t.Logf("install, upgrade, remove, purge, reinstall, purge: %v", time.Since(start).Round(time.Millisecond))
}

// chrootProcesses lists the processes whose root is dir (for cleanup).
func chrootProcesses(dir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		if r, err := os.Readlink(fmt.Sprintf("/proc/%d/root", pid)); err == nil && (r == dir || strings.HasPrefix(r, dir+"/")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// mountProc mounts /proc in the chroot, which the init script reads, and
// on cleanup kills whatever is left running there.
func mountProc(t *testing.T, dir string) {
	t.Helper()
	if err := unix.Mount("proc", dir+"/proc", "proc", 0, ""); err != nil {
		t.Fatalf("mount proc: %v", err)
	}
	t.Cleanup(func() {
		for _, pid := range chrootProcesses(dir) {
			unix.Kill(pid, unix.SIGKILL)
		}
		testkit.Poll(10*time.Second, func() bool { return len(chrootProcesses(dir)) == 0 })
		if err := unix.Unmount(dir+"/proc", unix.MNT_DETACH); err != nil {
			t.Errorf("umount proc: %v", err)
		}
	})
}

// writeLoggedService makes svc a logged service whose last words, written
// when it gets TERM, must reach its log: the logger may only stop after
// the service.
func writeLoggedService(t *testing.T, svc string) {
	t.Helper()
	for p, body := range map[string]string{
		svc + "/run":     "#!/bin/sh\necho started\ntrap 'echo last words; exit 0' TERM\nwhile :; do sleep 1; done\n",
		svc + "/log/run": "#!/bin/sh\nexec multilog ./main\n",
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		testkit.WriteScript(t, p, body)
	}
}

// waitLogged waits until the log of a service made by writeLoggedService
// holds n lines equal to line.
func waitLogged(t *testing.T, svc, line string, n int, what string) {
	t.Helper()
	testkit.Eventually(t, 30*time.Second, func() bool {
		b, _ := os.ReadFile(svc + "/log/main/current")
		return strings.Count(string(b), line+"\n") >= n
	}, "%s: log lacks %q ×%d", what, line, n)
}

// initScript runs the installed /etc/init.d/svscan ACTION in the chroot
// and returns its output; the test fails if the script complained.
func initScript(t *testing.T, dir, action string) string {
	t.Helper()
	start := time.Now()
	out := inChroot(t, dir, "/etc/init.d/svscan", action)
	t.Logf("%s took %v: %q", action, time.Since(start).Round(time.Millisecond), out)
	if strings.Contains(out, "/etc/init.d/svscan:") {
		t.Errorf("%s: the script complained: %q", action, out)
	}
	return out
}

// nothingLeft fails the test if a process still runs in the chroot.
func nothingLeft(t *testing.T, dir, what string) {
	t.Helper()
	if left := chrootProcesses(dir); len(left) > 0 {
		var names []string
		for _, pid := range left {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			names = append(names, strings.ReplaceAll(string(b), "\x00", " "))
		}
		t.Errorf("after %s, still running: %q", what, names)
	}
}

// svscanPids lists the svscan processes running in the chroot.
func svscanPids(dir string) []int {
	var pids []int
	for _, pid := range chrootProcesses(dir) {
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); string(comm) == "svscan\n" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// readproctitle is the command line of the readproctitle running in the
// chroot: the end of svscan's standard error.
func readproctitle(dir string) string {
	for _, pid := range chrootProcesses(dir) {
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); string(comm) == "readproctitle\n" {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			return string(b)
		}
	}
	return ""
}

func signalSvscan(dir string, sig unix.Signal) {
	for _, pid := range svscanPids(dir) {
		unix.Kill(pid, sig)
	}
}

// TestInitScriptStartsAndStopsInOrder runs the installed /etc/init.d/svscan
// in the chroot (with /proc mounted, nothing else of the host): start brings
// up a logged service through svscanboot, status reports it, restart and
// stop take the service down before its logger, so the service's last line
// is logged, even when svscan was killed before; afterwards no process is
// left.  Then the rc.local snippet starts svscan, which stops in the same
// order on TERM.
func TestInitScriptStartsAndStopsInOrder(t *testing.T) {
	dir := chrootTest(t)
	inChroot(t, dir, "dpkg", "-i", copyIn(t, dir, debPath(dist, testVersion))[0])
	mountProc(t, dir)
	svc := dir + "/service/web"
	writeLoggedService(t, svc)

	initScript(t, dir, "start")
	waitLogged(t, svc, "started", 1, "start")
	if out := initScript(t, dir, "status"); !strings.Contains(out, "svscan is running") {
		t.Errorf("status: %q", out)
	}
	if out := initScript(t, dir, "start"); !strings.Contains(out, "already running") {
		t.Errorf("second start: %q", out)
	}
	initScript(t, dir, "reload")

	// restart: the service's last words are logged before it starts again.
	initScript(t, dir, "restart")
	waitLogged(t, svc, "last words", 1, "restart")
	waitLogged(t, svc, "started", 2, "restart")

	// stop after svscan died (KILL): the script itself stops the service
	// first and its logger after, so the last words are still logged.
	signalSvscan(dir, unix.SIGKILL)
	initScript(t, dir, "stop")
	waitLogged(t, svc, "last words", 2, "stop without svscan")
	nothingLeft(t, dir, "stop")
	if exists(dir, "/var/run/svscan.pid") {
		t.Error("after stop: pid file left")
	}
	cmd := exec.Command("chroot", dir, "/etc/init.d/svscan", "status")
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	if out, err := cmd.CombinedOutput(); cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 3 {
		t.Errorf("status after stop: %v %q, want exit 3", err, out)
	}

	// The rc.local snippet starts svscan on /service in the background; its
	// errors go to the console, here a file.
	console, err := os.Create(filepath.Join(t.TempDir(), "console"))
	if err != nil {
		t.Fatal(err)
	}
	defer console.Close()
	rc := exec.Command("chroot", dir, "sh", "/usr/share/doc/daemontools-go/rc.local.svscan")
	rc.Stdout, rc.Stderr = console, console
	if err := rc.Run(); err != nil {
		t.Fatalf("rc.local snippet: %v", err)
	}
	waitLogged(t, svc, "started", 3, "rc.local snippet")
	signalSvscan(dir, unix.SIGTERM)
	testkit.Eventually(t, 60*time.Second, func() bool { return len(chrootProcesses(dir)) == 0 },
		"svscan started by rc.local did not shut down on TERM")
	waitLogged(t, svc, "last words", 3, "TERM to svscan")
}

// TestInitScriptRunsSvscanModeFromSettings sets SVSCAN_MODE=inprocess
// in /etc/default/svscan: the init script hands it through svscanboot to
// svscan, which then supervises the service and its logger itself (no
// supervise process, svscan holds the locks); HUP runs svscan again in
// place with the service still up; stop stops the service before its
// logger.
func TestInitScriptRunsSvscanModeFromSettings(t *testing.T) {
	dir := chrootTest(t)
	inChroot(t, dir, "dpkg", "-i", copyIn(t, dir, debPath(dist, testVersion))[0])
	mountProc(t, dir)
	if err := os.WriteFile(dir+"/etc/default/svscan", []byte("SVSCAN_MODE=inprocess\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	svc := dir + "/service/web"
	writeLoggedService(t, svc)
	initScript(t, dir, "start")
	waitLogged(t, svc, "started", 1, "start")
	pids := svscanPids(dir)
	if len(pids) != 1 {
		t.Fatalf("svscan processes: %v", pids)
	}
	env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pids[0]))
	if !strings.Contains("\x00"+string(env), "\x00SVSCAN_MODE=inprocess\x00") {
		t.Errorf("svscan's environment: %q", env)
	}
	for _, pid := range chrootProcesses(dir) {
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); string(comm) == "supervise\n" {
			t.Errorf("a supervise process runs (pid %d)", pid)
		}
	}
	for _, d := range []string{svc, svc + "/log"} {
		if holder, _ := svstatus.LockHolder(d + "/supervise/lock"); holder != pids[0] {
			t.Errorf("%s: lock held by %d, not svscan %d", d, holder, pids[0])
		}
	}
	before, _ := os.ReadFile(svc + "/supervise/status")
	unix.Kill(pids[0], unix.SIGHUP)
	// The new image says when it has taken the tree over (its stderr is
	// readproctitle's title).
	tookOver := "svscan: info: took over the running processes of 1 service and 1 log service"
	testkit.Eventually(t, 30*time.Second, func() bool {
		return strings.Contains(readproctitle(dir), tookOver)
	}, "svscan did not take the service over after HUP: %q", readproctitle(dir))
	if holder, _ := svstatus.LockHolder(svc + "/supervise/lock"); holder != pids[0] {
		t.Errorf("after HUP: lock held by %d, not svscan %d", holder, pids[0])
	}
	if after, _ := os.ReadFile(svc + "/supervise/status"); string(after[12:16]) != string(before[12:16]) {
		t.Errorf("HUP restarted the service")
	}
	initScript(t, dir, "stop")
	waitLogged(t, svc, "last words", 1, "stop")
	nothingLeft(t, dir, "stop")
}

// customDir is a service directory other than /service, with a space (the
// scripts must quote it) and a parent that does not exist.
const customDir = "/srv/daemontools/my services"

// TestInitScriptScansSvscanDirFromSettings sets SVSCAN_DIR in
// /etc/default/svscan to another directory than /service (which exists,
// made by the package): start runs svscan in that directory and starts its
// service, status names it, and stop, after svscan was killed, stops that
// directory's service before its logger.
func TestInitScriptScansSvscanDirFromSettings(t *testing.T) {
	dir := chrootTest(t)
	inChroot(t, dir, "dpkg", "-i", copyIn(t, dir, debPath(dist, testVersion))[0])
	mountProc(t, dir)
	settings := "SVSCAN_DIR=\"" + customDir + "\"\n"
	if err := os.WriteFile(dir+"/etc/default/svscan", []byte(settings), 0o644); err != nil {
		t.Fatal(err)
	}
	svc := dir + customDir + "/web"
	writeLoggedService(t, svc)

	initScript(t, dir, "start")
	waitLogged(t, svc, "started", 1, "start")
	pids := svscanPids(dir)
	if len(pids) != 1 {
		t.Fatalf("svscan processes: %v", pids)
	}
	if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pids[0])); err != nil || cwd != dir+customDir {
		t.Errorf("svscan scans %q (%v), want %q", cwd, err, dir+customDir)
	}
	if out := initScript(t, dir, "status"); !strings.Contains(out, "scanning "+customDir+".") {
		t.Errorf("status: %q", out)
	}
	signalSvscan(dir, unix.SIGKILL)
	initScript(t, dir, "stop")
	waitLogged(t, svc, "last words", 1, "stop without svscan")
	nothingLeft(t, dir, "stop")
}

// TestDebPurgeRemovesOnlyTheEmptyDirsItMade installs the .deb over
// settings that name a service directory whose parent is missing: postinst
// makes both (0755) and leaves /service, which the administrator made,
// alone.  dpkg deletes the settings before postrm purge runs; purge still
// removes the two empty directories postinst made and nothing else.  A
// second time the directory holds a service: purge keeps it and its parent.
func TestDebPurgeRemovesOnlyTheEmptyDirsItMade(t *testing.T) {
	dir := chrootTest(t)
	deb := copyIn(t, dir, debPath(dist, testVersion))[0]
	if err := os.Mkdir(dir+"/service", 0o755); err != nil {
		t.Fatal(err)
	}
	settings := "# made before the package\nSVSCAN_DIR=\"" + customDir + "\"\n"
	preseed := func() {
		t.Helper()
		if err := os.WriteFile(dir+"/etc/default/svscan", []byte(settings), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	preseed()
	before := snapshot(t, dir)

	inChroot(t, dir, "dpkg", "--force-confold", "-i", deb)
	if b, _ := os.ReadFile(dir + "/etc/default/svscan"); string(b) != settings {
		t.Fatalf("install replaced the settings: %q", b)
	}
	for _, d := range []string{filepath.Dir(customDir), customDir} {
		if fi, err := os.Stat(dir + d); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o755 {
			t.Errorf("after install: %s: %v %v", d, fi, err)
		}
	}
	if entries, _ := os.ReadDir(dir + "/service"); len(entries) > 0 {
		t.Errorf("after install: /service holds %v", entries)
	}

	inChroot(t, dir, "dpkg", "--purge", "daemontools-go")
	added, removed := diff(before, snapshot(t, dir))
	if len(added) > 0 || !slices.Equal(removed, []string{"/etc/default/svscan"}) {
		t.Errorf("after purge: left %q, removed %q (want only the settings removed)", added, removed)
	}

	// A service in the directory makes it the administrator's.
	preseed()
	inChroot(t, dir, "dpkg", "--force-confold", "-i", deb)
	if err := os.Mkdir(dir+customDir+"/web", 0o755); err != nil {
		t.Fatal(err)
	}
	testkit.WriteScript(t, dir+customDir+"/web/run", "#!/bin/sh\nexec sleep 1000\n")
	inChroot(t, dir, "dpkg", "--purge", "daemontools-go")
	if !exists(dir, customDir+"/web/run") {
		t.Error("purge removed a service directory")
	}
	if !exists(dir, "/service") {
		t.Error("purge removed /service, which the administrator made")
	}
	if exists(dir, "/var/lib/daemontools-go") {
		t.Error("purge left /var/lib/daemontools-go")
	}
}

// TestRpmInstallUpgradeEraseScriptlets installs, upgrades and erases the
// .rpm with rpm --root into the chroot made to look like an RPM system
// (no invoke-rc.d, update-rc.d or deb-systemd-*; systemctl, chkconfig and
// service are stubs that record their arguments), so the scriptlets run
// with rpm's real arguments: they apply the presets and start nothing on
// install, only reload on upgrade, stop and disable on erase.  The upgrade makes the service
// directory the edited settings name; erase removes it and /service, both
// empty and made by %post, and leaves nothing but the administrator's
// edited settings (.rpmsave).
func TestRpmInstallUpgradeEraseScriptlets(t *testing.T) {
	need(t, "rpm")
	dir := chrootTest(t)
	for _, p := range []string{"/usr/sbin/invoke-rc.d", "/usr/sbin/update-rc.d", "/usr/bin/deb-systemd-helper", "/usr/bin/deb-systemd-invoke"} {
		if err := os.Remove(dir + p); err != nil {
			t.Fatal(err)
		}
	}
	recordCalls(t, dir, "/usr/sbin/systemctl", "/usr/sbin/chkconfig", "/usr/sbin/service")
	// On an RPM system the filesystem and chkconfig packages own these.
	for _, d := range []string{"/etc/rc.d/init.d", "/etc/sysconfig", "/usr/share/licenses"} {
		if err := os.MkdirAll(dir+d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	output(t, time.Minute, "rpm", "--root", dir, "--initdb")
	before := snapshot(t, dir)
	rpmIn := func(args ...string) {
		t.Helper()
		output(t, 3*time.Minute, "rpm", append([]string{"--root", dir, "--nodeps"}, args...)...)
	}
	calls := func(want ...string) {
		t.Helper()
		if got := takeCalls(dir); !slices.Equal(got, want) {
			t.Errorf("scriptlets called %q, want %q", got, want)
		}
	}

	rpmIn("-i", rpmPath())
	// Red Hat's rule: presets decide, nothing starts.
	calls("systemctl --no-reload preset svscan.service", "chkconfig --add svscan")
	for _, p := range []string{"/usr/bin/svscan", "/etc/rc.d/init.d/svscan", "/usr/lib/systemd/system/svscan.service", "/etc/sysconfig/svscan"} {
		if !exists(dir, p) {
			t.Errorf("after install: no %s", p)
		}
	}
	if fi, err := os.Stat(dir + "/service"); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("after install: /service: %v %v", fi, err)
	}

	// From here on the host runs systemd.
	if err := os.MkdirAll(dir+"/run/systemd/system", 0o755); err != nil {
		t.Fatal(err)
	}
	// The administrator moves the service directory; the upgrade's %post
	// makes it.
	settings := "SVSCAN_DIR=\"" + customDir + "\"\n# changed by the administrator\n"
	if err := os.WriteFile(dir+"/etc/sysconfig/svscan", []byte(settings), 0o644); err != nil {
		t.Fatal(err)
	}
	rpmIn("-U", rpmPathIn(filepath.Join(dist, "upgrade"), upgradeVersion))
	// %post of the new one, %postun of the old one: reload, never restart.
	calls("systemctl --system daemon-reload", "chkconfig --add svscan", "systemctl --system daemon-reload")
	if got := output(t, time.Minute, "rpm", "--root", dir, "-q", "daemontools-go"); !strings.Contains(got, upgradeVersion) {
		t.Errorf("after upgrade: %q", got)
	}
	if b, _ := os.ReadFile(dir + "/etc/sysconfig/svscan"); string(b) != settings {
		t.Errorf("upgrade replaced /etc/sysconfig/svscan: %q", b)
	}
	if fi, err := os.Stat(dir + customDir); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("after upgrade: %s: %v %v", customDir, fi, err)
	}

	rpmIn("-e", "daemontools-go")
	calls("systemctl stop svscan.service", "systemctl --no-reload disable svscan.service",
		"chkconfig --del svscan", "systemctl --system daemon-reload")
	// rpm moved the settings away before %postun; /service and the new
	// directory, with its parent, were made by %post and are empty: gone.
	added, removed := diff(before, snapshot(t, dir))
	if !slices.Equal(added, []string{"/etc/sysconfig/svscan.rpmsave"}) || len(removed) > 0 {
		t.Errorf("after erase: left %q (want only the edited settings as .rpmsave), removed %q", added, removed)
	}
}

// recordCalls replaces the programs at paths in the chroot by stubs that
// append their name and arguments to /tmp/calls.
func recordCalls(t *testing.T, dir string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		testkit.WriteScript(t, dir+p, "#!/bin/sh\necho \""+filepath.Base(p)+" $*\" >>/tmp/calls\n")
	}
}

// takeCalls returns and forgets what the stubs recorded.
func takeCalls(dir string) []string {
	b, _ := os.ReadFile(dir + "/tmp/calls")
	os.Remove(dir + "/tmp/calls")
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// TestDebScriptsOnSystemdHost runs dpkg in the chroot made to look booted
// with systemd (/run/systemd/system; systemctl and deb-systemd-invoke are
// stubs that record their arguments, deb-systemd-helper is the real one):
// install enables and starts the unit, an upgrade only starts it (a no-op
// for a running unit) and never stops or restarts it, remove stops it, and
// purge forgets its enablement.
func TestDebScriptsOnSystemdHost(t *testing.T) {
	dir := chrootTest(t)
	recordCalls(t, dir, "/usr/bin/systemctl", "/usr/bin/deb-systemd-invoke")
	if err := os.MkdirAll(dir+"/run/systemd/system", 0o755); err != nil {
		t.Fatal(err)
	}
	debs := copyIn(t, dir, debPath(dist, testVersion), debPath(filepath.Join(dist, "upgrade"), upgradeVersion))
	// invoked checks the deb-systemd-invoke calls of a step and returns
	// all the calls.
	invoked := func(step string, want ...string) []string {
		t.Helper()
		var got []string
		all := takeCalls(dir)
		for _, c := range all {
			if strings.HasPrefix(c, "deb-systemd-invoke ") {
				got = append(got, c)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: deb-systemd-invoke calls %q, want %q", step, got, want)
		}
		return all
	}

	inChroot(t, dir, "dpkg", "-i", debs[0])
	// With systemd running, deb-systemd-helper enables through systemctl.
	enable := "systemctl --root=/ --system --preset-mode=enable-only preset svscan.service"
	if all := invoked("install", "deb-systemd-invoke start svscan.service"); !slices.Contains(all, enable) {
		t.Errorf("install did not enable the unit: calls %q", all)
	}
	inChroot(t, dir, "dpkg", "-i", debs[1])
	invoked("upgrade", "deb-systemd-invoke start svscan.service")
	inChroot(t, dir, "dpkg", "-r", "daemontools-go")
	invoked("remove", "deb-systemd-invoke stop svscan.service")
	inChroot(t, dir, "dpkg", "--purge", "daemontools-go")
	invoked("purge")
	if exists(dir, "/etc/systemd/system/svscan.service") {
		t.Error("purge left the unit masked")
	}
}
