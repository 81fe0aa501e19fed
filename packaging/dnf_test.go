package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/files"
)

// The dnf test installs the .rpm the way RPM users get it: from a
// repository made by createrepo_c, with dnf --installroot, into the
// cached bookworm chroot made to look like an RPM system (see rpmRoot).
// Red Hat's own chkconfig, built from its source, registers the init
// script there.  Its tarball is found at $CHKCONFIG_TARBALL, by default
// in the shared/ folder beside the checkout.
const chkconfigTarballVar = "CHKCONFIG_TARBALL"

func chkconfigTarball() string {
	if p := os.Getenv(chkconfigTarballVar); p != "" {
		return p
	}
	return filepath.Join(root, "../shared/tools/chkconfig-1.33.tar.gz")
}

var (
	chkconfigOnce sync.Once
	chkconfigBin  string
	chkconfigErr  error
)

// buildChkconfig builds chkconfig from the tarball, once per test run,
// with scripts/build-chkconfig.sh (shared with vm-tests/run.sh): linked
// statically, as the chroot lacks libpopt.
func buildChkconfig(t *testing.T) string {
	t.Helper()
	tarball := chkconfigTarball()
	if _, err := os.Stat(tarball); err != nil {
		t.Skipf("Red Hat's chkconfig source is missing (%v): set %s to chkconfig-1.33.tar.gz", err, chkconfigTarballVar)
	}
	need(t, "make")
	need(t, "cc")
	chkconfigOnce.Do(func() {
		bin := filepath.Join(scratch, "chkconfig")
		if out, err := command(5*time.Minute, "sh", filepath.Join(root, "scripts/build-chkconfig.sh"), tarball, bin); err != nil {
			chkconfigErr = fmt.Errorf("%v\n%s", err, out)
			return
		}
		chkconfigBin = bin
	})
	if chkconfigErr != nil {
		t.Fatalf("build chkconfig (needs libpopt-dev, libselinux1-dev, libsepol-dev): %v", chkconfigErr)
	}
	return chkconfigBin
}

// baseSystemRPM builds the package that stands for the base system of an
// RPM distribution: it provides what the .rpm requires (/bin/sh,
// coreutils; the Debian tree has them) and ships chkconfig.
func baseSystemRPM(t *testing.T, dir, chkconfig string) {
	t.Helper()
	info := nfpm.WithDefaults(&nfpm.Info{
		Name:        "test-base-system",
		Arch:        "amd64",
		Platform:    "linux",
		Version:     "1",
		Release:     "1",
		Maintainer:  maintainer,
		Description: "the base system under test: /bin/sh and coreutils (from Debian's tree), chkconfig",
		License:     "MIT",
		MTime:       time.Unix(0, 0),
		Overridables: nfpm.Overridables{
			Provides: []string{"/bin/sh", "coreutils", "chkconfig"},
			Contents: files.Contents{{
				Source:      chkconfig,
				Destination: "/usr/sbin/chkconfig",
				FileInfo:    &files.ContentFileInfo{Mode: 0o755, Owner: "root", Group: "root"},
			}},
		},
	})
	packager, err := nfpm.Get("rpm")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, packager.ConventionalFileName(info)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := packager.Package(info, f); err != nil {
		t.Fatalf("base system rpm: %v", err)
	}
}

// rpmRoot turns a fresh chroot into an RPM system's layout: no Debian
// helpers (invoke-rc.d, update-rc.d, deb-systemd-*), the init scripts and
// rc directories under /etc/rc.d with the /etc links Red Hat's filesystem
// and chkconfig packages make, /etc/sysconfig and /usr/share/licenses; a
// systemctl stub records its arguments (no systemd runs here).  Debian's
// service(8), which runs /etc/init.d/NAME, stays.
func rpmRoot(t *testing.T) string {
	t.Helper()
	dir := chrootTest(t)
	for _, p := range []string{"/usr/sbin/invoke-rc.d", "/usr/sbin/update-rc.d", "/usr/bin/deb-systemd-helper", "/usr/bin/deb-systemd-invoke"} {
		if err := os.Remove(dir + p); err != nil {
			t.Fatal(err)
		}
	}
	recordCalls(t, dir, "/usr/bin/systemctl")
	for _, d := range []string{"/etc/rc.d", "/etc/sysconfig", "/usr/share/licenses"} {
		if err := os.MkdirAll(dir+d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"init.d", "rc0.d", "rc1.d", "rc2.d", "rc3.d", "rc4.d", "rc5.d", "rc6.d"} {
		if _, err := os.Stat(dir + "/etc/" + d); err != nil {
			if err := os.Mkdir(dir+"/etc/"+d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		// mv: overlayfs refuses to rename a lower directory (EXDEV).
		output(t, time.Minute, "mv", dir+"/etc/"+d, dir+"/etc/rc.d/"+d)
		if err := os.Symlink("rc.d/"+d, dir+"/etc/"+d); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// dnf runs dnf on the root with the local repository only and fails the
// test if dnf or any scriptlet failed (rpm reports a failed scriptlet as a
// warning and dnf still exits 0).
func dnf(t *testing.T, dir, repo string, args ...string) string {
	t.Helper()
	base := []string{"-y", "--installroot=" + dir, "--releasever=test", "--nogpgcheck",
		"--setopt=reposdir=/nonexistent", "--setopt=install_weak_deps=False", "--setopt=metadata_expire=0",
		"--setopt=clean_requirements_on_remove=False",
		"--disableplugin=*", "--repofrompath=local," + repo, "--repo=local"}
	out := output(t, 5*time.Minute, "dnf", append(base, args...)...)
	t.Logf("dnf %s:\n%s", strings.Join(args, " "), out)
	if strings.Contains(out, "scriptlet failed") || strings.Contains(out, "error:") {
		t.Errorf("dnf %s: a scriptlet failed:\n%s", strings.Join(args, " "), out)
	}
	return out
}

// rcLinks lists the init script's links in /etc/rc.d/rc[0-6].d, as
// "rcN.d/SNNsvscan".
func rcLinks(t *testing.T, dir string) []string {
	t.Helper()
	links, err := filepath.Glob(dir + "/etc/rc.d/rc[0-6].d/[SK][0-9][0-9]svscan")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range links {
		links[i] = strings.TrimPrefix(l, dir+"/etc/rc.d/")
		if target, err := os.Readlink(l); err != nil || target != "../init.d/svscan" {
			t.Errorf("%s links to %q (%v)", links[i], target, err)
		}
	}
	return links
}

// matchLinks checks that the rc links are the pattern's, one per runlevel.
func matchLinks(t *testing.T, step string, links []string, pattern string) {
	t.Helper()
	re := regexp.MustCompile(`^rc(\d)\.d/` + pattern + `svscan$`)
	seen := map[string]bool{}
	for _, l := range links {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("%s: rc link %s is not %s", step, l, pattern)
			continue
		}
		seen[m[1]] = true
	}
	if len(seen) != 7 || len(links) != 7 {
		t.Errorf("%s: rc links %q, want one per runlevel 0-6", step, links)
	}
}

// TestDnfInstallUpgradeReinstallRemove installs the .rpm from a local
// repository made by createrepo_c with dnf --installroot into an RPM root
// (rpmRoot) whose base system is an RPM, in the same transaction, then
// upgrades it from testVersion to upgradeVersion and reinstalls it while
// svscan, started by the init script, supervises a logged service, and
// removes it.  Every scriptlet succeeds; install starts nothing, applies
// the systemd presets and registers the init script off in every runlevel
// (chkconfig --add: K links only), which the administrator's chkconfig
// svscan on turns on in 2345; upgrade and reinstall leave svscan and the
// service running with the same pids and call nothing that stops them;
// remove stops the service before its logger, deletes the links
// (chkconfig --del) and keeps the administrator's service tree.
func TestDnfInstallUpgradeReinstallRemove(t *testing.T) {
	need(t, "dnf")
	createrepo := need(t, "createrepo_c")
	need(t, "rpm")
	chkconfig := buildChkconfig(t)
	dir := rpmRoot(t)
	repo := t.TempDir()
	baseSystemRPM(t, repo, chkconfig)
	output(t, time.Minute, "cp", rpmPath(), repo)
	output(t, time.Minute, createrepo, "--quiet", repo)
	calls := func(step string, want ...string) {
		t.Helper()
		if got := takeCalls(dir); !slices.Equal(got, want) {
			t.Errorf("%s: systemctl calls %q, want %q", step, got, want)
		}
	}

	// Install: the base system comes first (Requires(post)), then ours.
	out := dnf(t, dir, repo, "install", "daemontools-go")
	base := strings.Index(out, "Installing       : test-base-system")
	ours := strings.Index(out, "Installing       : daemontools-go")
	if base < 0 || ours < base {
		t.Errorf("dnf install did not install the base system first:\n%s", out)
	}
	if got := output(t, time.Minute, "rpm", "--root", dir, "-q", "daemontools-go"); strings.TrimSpace(got) != "daemontools-go-"+testVersion+"-1.x86_64" {
		t.Fatalf("after install: %q", got)
	}
	calls("install", "systemctl --no-reload preset svscan.service")
	for _, p := range []string{"/usr/bin/svscan", "/etc/rc.d/init.d/svscan", "/usr/lib/systemd/system/svscan.service",
		"/etc/sysconfig/svscan", "/usr/share/licenses/daemontools-go/copyright", "/usr/share/man/man8/svscan.8.gz"} {
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
	if len(chrootProcesses(dir)) > 0 {
		t.Errorf("install started something: %v", chrootProcesses(dir))
	}
	// Requires(preun,postun) still keep the base system installed.
	if out, err := command(time.Minute, "rpm", "--root", dir, "-e", "--test", "test-base-system"); err == nil || !strings.Contains(out, "/bin/sh is needed by (installed) daemontools-go") {
		t.Errorf("rpm -e --test test-base-system (%v): %q, want it needed by daemontools-go", err, out)
	}
	matchLinks(t, "chkconfig --add (install)", rcLinks(t, dir), `K\d\d`)
	listed := inChroot(t, dir, "chkconfig", "--list", "svscan")
	if !regexp.MustCompile(`^svscan\s+0:off\s+1:off\s+2:off\s+3:off\s+4:off\s+5:off\s+6:off\s*$`).MatchString(listed) {
		t.Errorf("chkconfig --list svscan after install: %q", listed)
	}

	// The administrator turns it on, then starts it.
	inChroot(t, dir, "chkconfig", "svscan", "on")
	links := rcLinks(t, dir)
	matchLinks(t, "chkconfig svscan on", links, `[SK]\d\d`)
	for _, l := range links {
		on := l[2] >= '2' && l[2] <= '5'
		if on != strings.Contains(l, "/S") {
			t.Errorf("after chkconfig svscan on: %s (want S links in 2345 only)", l)
		}
	}
	mountProc(t, dir)
	svc := dir + "/service/web"
	writeLoggedService(t, svc)
	inChroot(t, dir, "/etc/init.d/svscan", "start")
	waitLogged(t, svc, "started", 1, "start")
	// The processes that last: svscanboot, svscan, readproctitle, the
	// supervise pair, the service's shell and its logger (not the
	// service's passing sleep).
	// Children of the service's shell are left out by their parent, not
	// by name alone: between its fork and its exec, a sleep is a second
	// "sh".
	running := func() []int {
		var pids []int
		for _, pid := range chrootProcesses(dir) {
			stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			ppid := "0"
			if i := strings.LastIndexByte(string(stat), ')'); i > 0 {
				if f := strings.Fields(string(stat[i+1:])); len(f) > 1 {
					ppid = f[1] // after the state
				}
			}
			parent, _ := os.ReadFile("/proc/" + ppid + "/cmdline")
			if !strings.HasPrefix(string(parent), "/bin/sh\x00./run\x00") {
				pids = append(pids, pid)
			}
		}
		slices.Sort(pids)
		return pids
	}
	before := running()

	// Upgrade and reinstall: nothing stops, nothing restarts.
	output(t, time.Minute, "cp", rpmPathIn(filepath.Join(dist, "upgrade"), upgradeVersion), repo)
	output(t, time.Minute, createrepo, "--quiet", repo)
	dnf(t, dir, repo, "upgrade", "daemontools-go")
	if got := output(t, time.Minute, "rpm", "--root", dir, "-q", "daemontools-go"); strings.TrimSpace(got) != "daemontools-go-"+upgradeVersion+"-1.x86_64" {
		t.Fatalf("after upgrade: %q", got)
	}
	calls("upgrade")
	if after := running(); !slices.Equal(before, after) {
		t.Errorf("upgrade changed the processes: %v, then %v", before, after)
	}
	if !slices.Equal(rcLinks(t, dir), links) {
		t.Errorf("upgrade changed the rc links: %q, then %q", links, rcLinks(t, dir))
	}
	dnf(t, dir, repo, "reinstall", "daemontools-go")
	calls("reinstall")
	if after := running(); !slices.Equal(before, after) {
		t.Errorf("reinstall changed the processes: %v, then %v", before, after)
	}
	if b, _ := os.ReadFile(svc + "/log/main/current"); strings.Contains(string(b), "last words") {
		t.Errorf("the service was stopped: %q", b)
	}

	// Remove: service(8) runs the init script's stop: the service's last
	// words are logged, nothing is left running.
	dnf(t, dir, repo, "remove", "daemontools-go")
	calls("remove", "systemctl --no-reload disable svscan.service")
	waitLogged(t, svc, "last words", 1, "remove")
	nothingLeft(t, dir, "remove")
	if got := rcLinks(t, dir); len(got) > 0 {
		t.Errorf("after remove: rc links left: %q", got)
	}
	for _, p := range []string{"/usr/bin/svscan", "/etc/rc.d/init.d/svscan", "/usr/lib/systemd/system/svscan.service",
		"/usr/share/licenses/daemontools-go", "/usr/share/doc/daemontools-go", madeDirs} {
		if exists(dir, p) {
			t.Errorf("after remove: %s left", p)
		}
	}
	if !exists(dir, "/service/web/run") {
		t.Error("remove deleted the administrator's service")
	}
}
