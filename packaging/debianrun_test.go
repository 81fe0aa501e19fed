package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// debianDebCache is where scripts/install-deps.sh puts Debian's
// daemontools and daemontools-run .debs (apt-get download).
const debianDebCache = "/var/cache/daemontools-go-tests/debs"

// debianDebs returns the paths of Debian's daemontools and
// daemontools-run .debs: skipped without them, failed under CI.
func debianDebs(t *testing.T) (daemontools, run string) {
	t.Helper()
	find := func(pattern string) string {
		m, _ := filepath.Glob(filepath.Join(debianDebCache, pattern))
		if len(m) == 0 {
			if os.Getenv("CI") != "" {
				t.Fatalf("no %s in %s (scripts/install-deps.sh downloads it)", pattern, debianDebCache)
			}
			t.Skipf("no %s in %s (scripts/install-deps.sh downloads it)", pattern, debianDebCache)
		}
		return m[len(m)-1]
	}
	return find("daemontools_*.deb"), find("daemontools-run_*.deb")
}

// TestDebShipsEveryPathOfDaemontoolsRun: dpkg drops daemontools-run
// without running its scripts only if our package owns every one of its
// paths, directories included.
func TestDebShipsEveryPathOfDaemontoolsRun(t *testing.T) {
	need(t, "dpkg-deb")
	_, run := debianDebs(t)
	ours := debContents(t, debPath(dist, testVersion))
	for p := range debContents(t, run) {
		if _, ok := ours[p]; !ok {
			t.Errorf("daemontools-run has %s, daemontools-go does not", p)
		}
	}
}

// dpkgList is "PACKAGE STATUS" for the daemontools packages in the chroot.
func dpkgList(t *testing.T, dir string) []string {
	out, _ := command(time.Minute, "chroot", dir, "dpkg-query", "-W", "-f", "${Package} ${db:Status-Abbrev}\n",
		"daemontools", "daemontools-run", "daemontools-go")
	var l []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[1] != "un" {
			l = append(l, f[0]+" "+f[1])
		}
	}
	slices.Sort(l)
	return l
}

const inittab = "id:2:initdefault:\nsi::sysinit:/etc/init.d/rcS\n"

// TestDebReplacesDebianDaemontoolsAndBack installs ours over Debian's
// daemontools and daemontools-run (with an /etc/inittab, so that theirs
// adds its SV entry), with dpkg -i and then with apt-get install, and goes
// back each time: both ways succeed without a question, daemontools-run
// "disappears" (its scripts, which stop the tree, do not run), ours
// records /etc/service as the directory to scan and removes the inittab
// entry that no running tree needs, and once ours is removed its init
// script, left as a conffile, does nothing.
func TestDebReplacesDebianDaemontoolsAndBack(t *testing.T) {
	dir := chrootTest(t)
	theirs, run := debianDebs(t)
	pkgs := copyIn(t, dir, theirs, run, debPath(dist, testVersion))
	if err := os.WriteFile(dir+"/etc/inittab", []byte(inittab), 0o644); err != nil {
		t.Fatal(err)
	}
	// A /service tree (the HOW-TO's) beside Debian's /etc/service: left
	// as it is, and said so.
	if err := os.MkdirAll(dir+"/service/howto", 0o755); err != nil {
		t.Fatal(err)
	}
	installTheirs := func(how ...string) {
		t.Helper()
		inChroot(t, dir, append(how, pkgs[0], pkgs[1])...)
		if got := dpkgList(t, dir); !slices.Equal(got, []string{"daemontools ii", "daemontools-run ii"}) &&
			!slices.Equal(got, []string{"daemontools ii", "daemontools-go rc", "daemontools-run ii"}) {
			t.Fatalf("after installing Debian's: %q", got)
		}
		if b, _ := os.ReadFile(dir + "/etc/inittab"); !strings.Contains(string(b), "SV:123456:respawn:/usr/bin/svscanboot") {
			t.Fatalf("Debian's daemontools-run added no SV entry:\n%s", b)
		}
	}
	installOurs := func(how ...string) {
		t.Helper()
		out := inChroot(t, dir, append(how, pkgs[2])...)
		if !strings.Contains(out, "disappearance of daemontools-run") {
			t.Errorf("daemontools-run did not disappear:\n%s", out)
		}
		if !strings.Contains(out, "daemontools-go: replacing Debian's daemontools-run: svscan scans /etc/service") ||
			!strings.Contains(out, "daemontools-go: /service is left as it is") {
			t.Errorf("no word of the service directories:\n%s", out)
		}
		if !exists(dir, "/service/howto") {
			t.Error("/service/howto is gone")
		}
		if got := dpkgList(t, dir); !slices.Equal(got, []string{"daemontools-go ii"}) {
			t.Errorf("after installing ours: %q", got)
		}
		if b, _ := os.ReadFile(dir + "/etc/inittab"); string(b) != inittab {
			t.Errorf("inittab after installing ours:\n%s", b)
		}
		if b, err := os.ReadFile(dir + "/var/lib/daemontools-go/svscan.env"); err != nil || !strings.Contains(string(b), "\nSVSCAN_DIR=/etc/service\n") {
			t.Errorf("svscan.env: %q %v", b, err)
		}
		for _, p := range []string{"/etc/service", "/var/lib/supervise", "/usr/sbin/update-service"} {
			if !exists(dir, p) {
				t.Errorf("%s missing", p)
			}
		}
	}

	installTheirs("dpkg", "-i")
	installOurs("dpkg", "-i")
	inChroot(t, dir, "dpkg", "-r", "daemontools-go")
	installTheirs("dpkg", "-i")
	// Our init script, left behind, does nothing now.
	if out := inChroot(t, dir, "/etc/init.d/svscan", "start"); out != "" {
		t.Errorf("the init script of the removed package said %q", out)
	}
	if exists(dir, "/var/run/svscan.pid") {
		t.Error("the init script of the removed package started something")
	}
	installOurs("apt-get", "install", "-y")
	inChroot(t, dir, "apt-get", "install", "-y", pkgs[0], pkgs[1])
	if got := dpkgList(t, dir); !slices.Equal(got, []string{"daemontools ii", "daemontools-go rc", "daemontools-run ii"}) {
		t.Errorf("after going back with apt: %q", got)
	}
}

// TestDebProvidesSatisfyDebianReverseDependencies: every relation of a
// Debian package (as apt knows them: apt-cache rdepends, then show) on
// daemontools or daemontools-run, versioned or not, is satisfied by what
// the .deb provides, so installing it removes none of them.
func TestDebProvidesSatisfyDebianReverseDependencies(t *testing.T) {
	need(t, "apt-cache")
	provided := map[string]string{"daemontools": debProvidedVersion, "daemontools-run": debProvidedVersion}
	if got := strings.TrimSpace(output(t, time.Minute, "dpkg-deb", "-f", debPath(dist, testVersion), "Provides")); got != "daemontools (= "+debProvidedVersion+"), daemontools-run (= "+debProvidedVersion+")" {
		t.Fatalf("Provides: %q", got)
	}
	relation := regexp.MustCompile(`^(daemontools|daemontools-run)(?::any)?(?: \((<<|<=|=|>=|>>) ([^)]+)\))?$`)
	checked := 0
	for name := range provided {
		out, err := command(time.Minute, "apt-cache", "rdepends", "--recurse=no", name)
		if err != nil || !strings.Contains(out, "Reverse Depends:") {
			if os.Getenv("CI") != "" {
				t.Fatalf("apt-cache rdepends %s: %v\n%s", name, err, out)
			}
			t.Skipf("apt knows no packages (apt-get update): %v", err)
		}
		for _, line := range strings.Split(out, "\n")[2:] {
			// (daemontools' own Suggests of daemontools-run is moot: it
			// is replaced as well.)
			pkg := strings.TrimLeft(strings.TrimSpace(line), "|")
			if pkg == "" || pkg == "daemontools" {
				continue
			}
			show := output(t, time.Minute, "apt-cache", "show", "--no-all-versions", pkg)
			for _, field := range []string{"Pre-Depends", "Depends", "Recommends"} {
				m := regexp.MustCompile(`(?m)^` + field + `: (.*)$`).FindStringSubmatch(show)
				if m == nil {
					continue
				}
				for _, alt := range regexp.MustCompile(`\s*[,|]\s*`).Split(m[1], -1) {
					r := relation.FindStringSubmatch(alt)
					if r == nil {
						continue
					}
					checked++
					if r[2] == "" {
						continue
					}
					if _, err := command(time.Minute, "dpkg", "--compare-versions", provided[r[1]], r[2], r[3]); err != nil {
						t.Errorf("%s %s: %s (%s %s) is not met by the provided %s", pkg, field, r[1], r[2], r[3], provided[r[1]])
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no relation on daemontools or daemontools-run found")
	}
}
