package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// The tests build every program as `make build` does (static, stripped),
// then the packages with this program, once for the whole test package.
var (
	root    string // the module's top directory
	scratch string // removed after the tests
	src     string // a copy of its man/, init/ and packaging/, as others edit them while the tests run
	bin     string // the built programs
	dist    string // the packages: deb and rpm at testVersion, and in dist/upgrade at upgradeVersion
)

const (
	testVersion     = "0.76.1~test1"
	upgradeVersion  = "0.76.1~test2"
	sourceDateEpoch = "1767225600" // 2026-01-01, every file's time stamp
)

func TestMain(m *testing.M) {
	var err error
	if root, err = testkit.Root(); err != nil {
		fmt.Fprintln(os.Stderr, "packaging test:", err)
		os.Exit(2)
	}
	tmp, err := os.MkdirTemp("", "dtgo-pkg-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "packaging test:", err)
		os.Exit(2)
	}
	scratch = tmp
	src, bin, dist = filepath.Join(tmp, "src"), filepath.Join(tmp, "bin"), filepath.Join(tmp, "dist")
	// Others commit while the tests run: pin the time stamp the packages
	// would otherwise take from the last commit.
	os.Setenv("SOURCE_DATE_EPOCH", sourceDateEpoch)
	code := 2
	if err := buildAll(); err != nil {
		fmt.Fprintln(os.Stderr, "packaging test:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(tmp)
	os.Exit(code)
}

// buildAll builds the programs that exist so far and packages them; the
// tests below check that all seventeen made it.
func buildAll() error {
	if err := os.Mkdir(src, 0o755); err != nil {
		return err
	}
	for _, d := range []string{"man", "init", "packaging"} {
		if out, err := exec.Command("cp", "-a", filepath.Join(root, d), src).CombinedOutput(); err != nil {
			return fmt.Errorf("copy %s: %v\n%s", d, err, out)
		}
	}
	cmd := exec.Command("sh", "scripts/build.sh", bin)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	// The three packages at once: compressing them is most of the time.
	builds := []struct{ version, format, out string }{
		{testVersion, "deb", dist},
		{testVersion, "rpm", dist},
		{upgradeVersion, "deb", filepath.Join(dist, "upgrade")},
		{upgradeVersion, "rpm", filepath.Join(dist, "upgrade")},
	}
	errs := make([]error, len(builds))
	var wg sync.WaitGroup
	for i, b := range builds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stderr strings.Builder
			args := []string{"-bin", bin, "-out", b.out, "-src", src, "-version", b.version, "-formats", b.format, "-partial"}
			if run(args, &strings.Builder{}, &stderr) != 0 {
				errs[i] = fmt.Errorf("packaging %s %s: %s", b.format, b.version, stderr.String())
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func debPath(dir string, version string) string {
	return filepath.Join(dir, "daemontools-go_"+version+"-1_amd64.deb")
}

func rpmPath() string { return rpmPathIn(dist, testVersion) }

func rpmPathIn(dir, version string) string {
	return filepath.Join(dir, "daemontools-go-"+version+"-1.x86_64.rpm")
}

// need returns the path of tool, skipping the test when it is missing
// (failing under CI, where scripts/install-deps.sh installs it).
func need(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing (scripts/install-deps.sh installs it)", tool)
		}
		t.Skipf("%s not installed", tool)
	}
	return p
}

// output runs a command with a deadline and returns its standard output;
// the test fails if it fails.
func output(t *testing.T, within time.Duration, name string, args ...string) string {
	t.Helper()
	out, err := command(within, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func command(within time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.WaitDelay = 10 * time.Second // a child left holding the pipes must not hang us
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// wantFiles lists what both packages ship: every program in /usr/bin and
// its page, the overview page, the rc.local snippet and the copyright file
// (the .rpm's in rpm's licence directory); the .deb also daemontools-run's
// scripts in /usr/sbin and their pages.  The seventeen names are the truth: a missing program or page
// fails here.
func wantFiles(format string) []string {
	want := []string{
		"/usr/share/man/man7/daemontools.7.gz",
		"/usr/share/doc/daemontools-go/rc.local.svscan",
	}
	if format == "rpm" {
		want = append(want, "/usr/share/licenses/daemontools-go/copyright")
	} else {
		want = append(want, "/usr/share/doc/daemontools-go/copyright")
	}
	for _, p := range programs {
		want = append(want, "/usr/bin/"+p, "/usr/share/man/man8/"+p+".8.gz")
	}
	if format == "deb" {
		for _, p := range debianScripts {
			want = append(want, "/usr/sbin/"+p, "/usr/share/man/man8/"+p+".8.gz")
		}
	}
	return want
}

// debContents is `dpkg-deb -c` as path → mode string, without directories.
func debContents(t *testing.T, deb string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, line := range strings.Split(output(t, time.Minute, "dpkg-deb", "-c", deb), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || strings.HasPrefix(f[0], "d") {
			continue
		}
		files[strings.TrimPrefix(f[5], ".")] = f[0]
	}
	return files
}

// checkShipped checks a package's files (path → mode and flags): every
// file of wantFiles, the programs executable, and the format's own files.
func checkShipped(t *testing.T, format string, files, want map[string]string) {
	t.Helper()
	for _, p := range wantFiles(format) {
		if _, ok := files[p]; !ok {
			t.Errorf("%s lacks %s", format, p)
		}
	}
	for _, p := range programs {
		want["/usr/bin/"+p] = "-rwxr-xr-x"
	}
	for p, mode := range want {
		if got, ok := files[p]; ok && got != mode {
			t.Errorf("%s: %s is %q, want %q", format, p, got, mode)
		} else if !ok && !strings.HasPrefix(p, "/usr/bin/") {
			t.Errorf("%s lacks %s", format, p)
		}
	}
}

func TestDebShipsEveryProgramAndManPage(t *testing.T) {
	need(t, "dpkg-deb")
	files := debContents(t, debPath(dist, testVersion))
	checkShipped(t, "deb", files, map[string]string{
		"/lib/systemd/system/svscan.service":                "-rw-r--r--",
		"/etc/init.d/svscan":                                "-rwxr-xr-x",
		"/etc/default/svscan":                               "-rw-r--r--",
		"/usr/share/doc/daemontools-go/changelog.Debian.gz": "-rw-r--r--",
		"/usr/share/lintian/overrides/daemontools-go":       "-rw-r--r--",
		"/usr/sbin/update-service":                          "-rwxr-xr-x",
	})
	for p := range files {
		if strings.HasPrefix(p, "/service") || strings.HasPrefix(p, "/etc/sysconfig") || strings.HasPrefix(p, "/usr/lib/systemd") {
			t.Errorf("deb ships %s", p)
		}
	}
	// daemontools-run's state directory for services under /etc/
	// (update-service(8)), empty, as that package ships it.
	if out := output(t, time.Minute, "dpkg-deb", "-c", debPath(dist, testVersion)); !regexp.MustCompile(`(?m)^drwxr-xr-x root/root +0 .* \./var/lib/supervise/$`).MatchString(out) {
		t.Errorf("deb lacks the directory /var/lib/supervise/ (0755, root):\n%s", out)
	}
}

func TestDebControlReplacesDaemontools(t *testing.T) {
	need(t, "dpkg-deb")
	deb := debPath(dist, testVersion)
	for field, want := range map[string]string{
		"Package":   "daemontools-go",
		"Version":   testVersion + "-1",
		"Conflicts": "daemontools",
		"Replaces":  "daemontools, daemontools-run",
		"Provides":  "daemontools (= 1:0.76-9), daemontools-run (= 1:0.76-9)",
	} {
		if got := strings.TrimSpace(output(t, time.Minute, "dpkg-deb", "-f", deb, field)); got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	tmp := t.TempDir()
	output(t, time.Minute, "dpkg-deb", "-e", deb, tmp)
	conffiles, err := os.ReadFile(filepath.Join(tmp, "conffiles"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(string(conffiles))
	slices.Sort(got)
	if want := []string{"/etc/default/svscan", "/etc/init.d/svscan"}; !slices.Equal(got, want) {
		t.Errorf("conffiles %q, want %q", got, want)
	}
	for _, s := range []string{"preinst", "postinst", "prerm", "postrm"} {
		if _, err := os.Stat(filepath.Join(tmp, s)); err != nil {
			t.Errorf("no %s: %v", s, err)
		}
	}
}

func TestDebLintianHasNoErrors(t *testing.T) {
	need(t, "lintian")
	t.Parallel()
	out, err := command(5*time.Minute, "lintian", "--tag-display-limit", "0", "-E", "--pedantic", debPath(dist, testVersion))
	var errs, others []string
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "E: "):
			errs = append(errs, line)
		case strings.HasPrefix(line, "W: "), strings.HasPrefix(line, "I: "), strings.HasPrefix(line, "P: "), strings.HasPrefix(line, "X: "):
			others = append(others, line)
		}
	}
	if len(others) > 0 {
		t.Logf("lintian (not errors):\n%s", strings.Join(others, "\n"))
	}
	if len(errs) > 0 || (err != nil && len(others) == 0) {
		t.Errorf("lintian errors (%v):\n%s", err, out)
	}
}

// TestRpmlintIsClean runs rpmlint on the .rpm with packaging/rpmlint.toml,
// which explains each message left: no error, no warning.
func TestRpmlintIsClean(t *testing.T) {
	rpmlint := need(t, "rpmlint")
	t.Parallel()
	out, err := command(5*time.Minute, rpmlint, "-c", filepath.Join(src, "packaging/rpmlint.toml"), rpmPath())
	var msgs []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, ": E: ") || strings.Contains(line, ": W: ") {
			msgs = append(msgs, line)
		}
	}
	if err != nil || len(msgs) > 0 || !strings.Contains(out, " 0 errors, 0 warnings") {
		t.Errorf("rpmlint (%v):\n%s", err, out)
	}
}

// TestAddErasePrereqsRefusesWhatItCannotEdit: anything but an unsigned
// rpm with the plain Requires to turn is refused, so a change in nfpm
// cannot pass unnoticed.
func TestAddErasePrereqsRefusesWhatItCannotEdit(t *testing.T) {
	b, err := os.ReadFile(rpmPath())
	if err != nil {
		t.Fatal(err)
	}
	for what, in := range map[string][]byte{
		"not an rpm":     []byte("!<arch>\n"),
		"truncated":      b[:200],
		"already edited": slices.Clone(b),
	} {
		if err := addErasePrereqs(in, scriptletRequires); err == nil {
			t.Errorf("%s: no error", what)
		}
	}
}

// rpmQuery runs rpm -qp with a query format, one line per file.
func rpmQuery(t *testing.T, args ...string) []string {
	t.Helper()
	out := output(t, time.Minute, "rpm", append([]string{"-qp"}, append(args, rpmPath())...)...)
	return strings.Split(strings.TrimSpace(out), "\n")
}

func TestRpmShipsEveryProgramAndManPage(t *testing.T) {
	need(t, "rpm")
	files := map[string]string{} // path → "mode flags"
	for _, line := range rpmQuery(t, "--queryformat", `[%{FILENAMES} %{FILEMODES:perms} %{FILEFLAGS:fflags}\n]`) {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[1], "d") {
			continue
		}
		files[f[0]] = strings.Join(f[1:], " ")
	}
	listed := rpmQuery(t, "-l")
	for _, p := range wantFiles("rpm") {
		if !slices.Contains(listed, p) {
			t.Errorf("rpm -qpl does not list %s", p)
		}
	}
	want := map[string]string{
		"/usr/lib/systemd/system/svscan.service":        "-rw-r--r--",
		"/etc/rc.d/init.d/svscan":                       "-rwxr-xr-x",
		"/etc/sysconfig/svscan":                         "-rw-r--r-- cn", // %config(noreplace)
		"/usr/share/doc/daemontools-go/rc.local.svscan": "-rw-r--r-- d",  // %doc
		"/usr/share/licenses/daemontools-go/copyright":  "-rw-r--r-- l",  // %license
		"/usr/share/licenses/daemontools-go/Apache-2.0": "-rw-r--r-- l",
		"/usr/share/man/man7/daemontools.7.gz":          "-rw-r--r-- d",
	}
	for _, p := range programs {
		want["/usr/share/man/man8/"+p+".8.gz"] = "-rw-r--r-- d"
	}
	checkShipped(t, "rpm", files, want)
	for p := range files {
		if strings.HasPrefix(p, "/service") || strings.HasPrefix(p, "/etc/default") ||
			strings.HasPrefix(p, "/lib/") || strings.HasPrefix(p, "/etc/init.d") || strings.Contains(p, "lintian") {
			t.Errorf("rpm ships %s", p)
		}
	}
	// daemontools-run's script, its page and its state directory are the
	// .deb's alone (inventory.go, debianScripts).
	for _, p := range listed {
		if strings.HasPrefix(p, "/usr/sbin") || strings.HasPrefix(p, "/var/lib/supervise") || strings.Contains(p, "update-service") {
			t.Errorf("rpm ships %s", p)
		}
	}
}

// TestRpmRelationsAndScripts checks the .rpm's relations: the names RPM
// distributions gave daemontools are provided at a version above the ones
// obsoleted (no self-obsoletion), nothing is unversioned, no Conflicts;
// the scriptlets' interpreter and coreutils are Requires(post) and
// Requires(preun,postun), as rpmbuild writes them, in a header whose digest
// holds; and the scriptlets are ours.
func TestRpmRelationsAndScripts(t *testing.T) {
	need(t, "rpm")
	for q, want := range map[string][]string{
		"--provides":  {"daemontools = 0.76.1", "daemontools-go = " + testVersion + "-1", "daemontools-go(x86-64) = " + testVersion + "-1", "daemontools-toaster = 0.76.1"},
		"--obsoletes": {"daemontools < 0.76.1", "daemontools-toaster < 0.76.1"},
		"--conflicts": {""},
	} {
		got := rpmQuery(t, q)
		got = slices.DeleteFunc(got, func(s string) bool { return strings.HasPrefix(s, "daemontools-go(x86-64)") })
		want = slices.DeleteFunc(want, func(s string) bool { return strings.HasPrefix(s, "daemontools-go(x86-64)") })
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("rpm %s: %q, want %q", q, got, want)
		}
	}
	requires := rpmQuery(t, "--queryformat", `[%{REQUIREFLAGS:deptype} %{REQUIRENAME}\n]`)
	slices.Sort(requires)
	want := []string{"post /bin/sh", "post coreutils", "preun,postun /bin/sh", "preun,postun coreutils"}
	if !slices.Equal(requires, want) {
		t.Errorf("rpm requires %q, want %q", requires, want)
	}
	// addErasePrereqs rewrote the header: its digest must still hold.
	if out := output(t, time.Minute, "rpm", "-Kv", "--nosignature", rpmPath()); !strings.Contains(out, "Header SHA256 digest: OK") {
		t.Errorf("rpm -K:\n%s", out)
	}
	scripts := strings.Join(rpmQuery(t, "--scripts"), "\n")
	for _, s := range []struct{ header, file string }{
		{"postinstall scriptlet (using /bin/sh):", "postinstall.sh"},
		{"preuninstall scriptlet (using /bin/sh):", "preremove.sh"},
		{"postuninstall scriptlet (using /bin/sh):", "postremove.sh"},
	} {
		body, err := os.ReadFile(filepath.Join(src, "packaging/scripts", s.file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(scripts, s.header+"\n"+strings.TrimSpace(string(body))) {
			t.Errorf("rpm --scripts: no %q followed by %s", s.header, s.file)
		}
	}
	if strings.Contains(scripts, "preinstall scriptlet") {
		t.Errorf("rpm has a %%pre scriptlet:\n%s", scripts)
	}
}

func TestEveryProgramHasLintCleanManPage(t *testing.T) {
	mandoc := need(t, "mandoc")
	pages, _ := filepath.Glob(filepath.Join(src, "man", "*.[1-8]"))
	for _, want := range requiredPages() {
		if !slices.Contains(pages, filepath.Join(src, "man", string(want))) {
			t.Errorf("man/%s missing", want)
		}
	}
	if len(pages) == 0 {
		t.Fatal("no man pages")
	}
	out, err := command(time.Minute, mandoc, append([]string{"-Tlint", "-W", "warning"}, pages...)...)
	if err != nil || out != "" {
		t.Errorf("mandoc -Tlint -W warning (%v):\n%s", err, out)
	}
}

func TestShellScriptsArePOSIXShellcheckClean(t *testing.T) {
	shellcheck := need(t, "shellcheck")
	scripts, _ := filepath.Glob(filepath.Join(src, "packaging/scripts/*.sh"))
	scripts = append(scripts, filepath.Join(src, "init/svscan.init"), filepath.Join(src, "init/rc.local.svscan"),
		filepath.Join(src, "init/update-service"))
	if len(scripts) != 7 {
		t.Fatalf("scripts: %q", scripts)
	}
	if out, err := command(time.Minute, shellcheck, append([]string{"-s", "sh"}, scripts...)...); err != nil {
		t.Errorf("shellcheck -s sh: %v\n%s", err, out)
	}
}

func TestInitScriptHeadersForChkconfigAndInsserv(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(src, "init/svscan.init"))
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^#!/bin/sh$`,
		`(?m)^# chkconfig: - [0-9]+ [0-9]+$`, // Red Hat: off by default
		`(?m)^# description: \S`,
		`(?m)^### BEGIN INIT INFO$`,
		`(?m)^# Provides: +svscan$`,
		`(?m)^# Required-Start: +\$local_fs \$remote_fs`,
		`(?m)^# Default-Start: +2 3 4 5$`,
		`(?m)^# Default-Stop: +0 1 6$`,
		`(?m)^### END INIT INFO$`,
		`(?m)^(start|stop|restart|reload \| force-reload|status)\)$`,
	} {
		if !regexp.MustCompile(re).Match(body) {
			t.Errorf("init script lacks %s", re)
		}
	}
}

// unitSettings reads a systemd unit as "Section.Key" → values.
func unitSettings(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	settings := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, _ := strings.Cut(line, "=")
			settings[section+"."+k] = append(settings[section+"."+k], v)
		}
	}
	return settings
}

func TestUnitNotifiesAndStopsSvscanFirst(t *testing.T) {
	unit := filepath.Join(src, "init/svscan.service")
	s := unitSettings(t, unit)
	for key, want := range map[string][]string{
		"Service.Type":            {"notify"},
		"Service.KillMode":        {"mixed"},
		"Service.Restart":         {"always"},
		"Service.EnvironmentFile": {"-/var/lib/daemontools-go/svscan.env", "-/etc/default/svscan", "-/etc/sysconfig/svscan"},
		"Service.ExecStart":       {"/usr/bin/svscan ${SVSCAN_DIR}"},
		"Install.WantedBy":        {"multi-user.target"},
	} {
		if !slices.Equal(s[key], want) {
			t.Errorf("%s = %q, want %q", key, s[key], want)
		}
	}
	if !slices.Contains(s["Service.Environment"], "SVSCAN_DIR=/service") {
		t.Errorf("no default SVSCAN_DIR=/service: %q", s["Service.Environment"])
	}
	analyze := need(t, "systemd-analyze")
	// --man=no: the pages are in man/, not yet installed on this host.
	if out, err := command(time.Minute, analyze, "verify", "--man=no", unit); err != nil || out != "" {
		t.Errorf("systemd-analyze verify (%v):\n%s", err, out)
	}
	for _, doc := range strings.Fields(strings.Join(s["Unit.Documentation"], " ")) {
		m := regexp.MustCompile(`^man:([a-z0-9-]+)\(([1-8])\)$`).FindStringSubmatch(doc)
		if m == nil {
			t.Errorf("Documentation %q is not a man page", doc)
			continue
		}
		if _, err := os.Stat(filepath.Join(src, "man", m[1]+"."+m[2])); err != nil {
			t.Errorf("Documentation %s: %v", doc, err)
		}
	}
}

// TestUnitAndScriptsReadSvscanDirAlike checks how SVSCAN_DIR reaches
// svscan.  The unit passes it as ${SVSCAN_DIR}, which systemd replaces by
// exactly one argument, whitespace and all ($SVSCAN_DIR would be split at
// whitespace), from the optional settings files, which override
// Environment=.  The default, /service, is the same in the unit, the init
// script, the post-install script and the shipped settings file, and that
// file holds only comments and plain NAME=value lines, which sh and
// systemd's EnvironmentFile= read alike.
func TestUnitAndScriptsReadSvscanDirAlike(t *testing.T) {
	s := unitSettings(t, filepath.Join(src, "init/svscan.service"))
	argv := strings.Fields(strings.Join(s["Service.ExecStart"], " "))
	if len(argv) != 2 || argv[1] != "${SVSCAN_DIR}" {
		t.Errorf("ExecStart %q: want svscan with the one argument ${SVSCAN_DIR}", s["Service.ExecStart"])
	}
	for _, f := range s["Service.EnvironmentFile"] {
		if !strings.HasPrefix(f, "-") {
			t.Errorf("EnvironmentFile=%s is not optional", f)
		}
	}
	defaults := map[string]string{}
	for _, e := range s["Service.Environment"] {
		if v, ok := strings.CutPrefix(e, "SVSCAN_DIR="); ok {
			defaults["unit"] = v
		}
	}
	assignment := regexp.MustCompile(`(?m)^SVSCAN_DIR=(.*)$`)
	for _, f := range []string{"init/svscan.init", "packaging/scripts/postinstall.sh"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if m := assignment.FindSubmatch(b); m != nil {
			defaults[f] = string(m[1])
		} else {
			t.Errorf("%s sets no default SVSCAN_DIR", f)
		}
	}
	settings := filepath.Join(src, "init/default/svscan")
	out, err := command(time.Minute, "sh", "-c", `. "$1" && echo "$SVSCAN_DIR"`, "sh", settings)
	if err != nil {
		t.Errorf("sh cannot read %s: %v\n%s", settings, err, out)
	}
	// The settings file leaves it unset (the default, or svscan.env on a
	// machine switched from Debian's daemontools-run, applies) and shows
	// the default commented out.
	if v := strings.TrimSpace(out); v != "" {
		t.Errorf("settings file (sh) sets SVSCAN_DIR=%q, want it unset", v)
	}
	if b, _ := os.ReadFile(settings); !regexp.MustCompile(`(?m)^#SVSCAN_DIR=/service$`).Match(b) {
		t.Errorf("%s does not show #SVSCAN_DIR=/service", settings)
	}
	for where, v := range defaults {
		if v != "/service" {
			t.Errorf("%s: default SVSCAN_DIR %q, want /service", where, v)
		}
	}
	b, err := os.ReadFile(settings)
	if err != nil {
		t.Fatal(err)
	}
	plain := regexp.MustCompile(`^([A-Z_][A-Z0-9_]*=[^\s"'$` + "`" + `\\;|&<>()]*)?$`)
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if !strings.HasPrefix(line, "#") && !plain.MatchString(line) {
			t.Errorf("%s:%d: %q is not a plain NAME=value line", settings, i+1, line)
		}
	}
}

// TestPackagesAreReproducible builds both packages twice from the same
// inputs and compares them byte for byte.  Two programs are enough to show
// it, and keep the test fast.
func TestPackagesAreReproducible(t *testing.T) {
	t.Parallel()
	small := t.TempDir()
	for _, p := range []string{"svok", "tai64n"} {
		output(t, time.Minute, "cp", filepath.Join(bin, p), small)
	}
	var builds [2][]string
	for i := range builds {
		out := t.TempDir()
		var stderr strings.Builder
		args := []string{"-bin", small, "-out", out, "-src", src, "-version", testVersion, "-formats", "deb,rpm", "-partial"}
		if run(args, &strings.Builder{}, &stderr) != 0 {
			t.Fatal(stderr.String())
		}
		for _, p := range []string{debPath(out, testVersion), rpmPathIn(out, testVersion)} {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			builds[i] = append(builds[i], string(b))
		}
	}
	for i, format := range []string{"deb", "rpm"} {
		if builds[0][i] != builds[1][i] {
			t.Errorf("two builds of the same sources give different %s packages", format)
		}
	}
}

func TestPackagingRefusesIncompleteTreeWithoutPartial(t *testing.T) {
	empty := t.TempDir()
	var stderr strings.Builder
	if code := run([]string{"-bin", empty, "-out", t.TempDir(), "-src", src, "-version", testVersion}, &strings.Builder{}, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "missing") || !strings.Contains(stderr.String(), filepath.Join(empty, "svscan")) {
		t.Errorf("stderr %q", stderr.String())
	}
}

func TestGitDescribeVersions(t *testing.T) {
	for in, want := range map[string][]string{
		"v0.76.1":            {"0.76.1", ""},
		"v0.76.1-3-gabcdef0": {"0.76.1", "3"},
		"0.77":               {"0.77", ""},
	} {
		m := describeForm.FindStringSubmatch(in)
		if m == nil || m[1] != want[0] || m[2] != want[1] {
			t.Errorf("%s: %q", in, m)
		}
	}
	if describeForm.MatchString("nightly") {
		t.Error("nightly matched")
	}
}
