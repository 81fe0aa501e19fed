package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The release configuration, .goreleaser.yaml, must give the packages this
// program gives.  GoReleaser is installed by scripts/install-deps.sh, so
// under CI these tests fail without it; elsewhere they are skipped.

// TestGoreleaserConfigChecks checks that the nfpms section of
// .goreleaser.yaml places every file layout.go places, and runs
// `goreleaser check` on it.
func TestGoreleaserConfigChecks(t *testing.T) {
	cfg, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range layout("SRC", "BIN", "STAGE", inventory{}) {
		if !strings.Contains(string(cfg), "dst: "+c.Destination+"\n") {
			t.Errorf(".goreleaser.yaml does not install %s", c.Destination)
		}
	}
	for _, p := range append([]string{"/usr/share/man/man8/", "/usr/share/man/man7/", "bindir: /usr/bin"}, programs...) {
		if !strings.Contains(string(cfg), p) {
			t.Errorf(".goreleaser.yaml lacks %q", p)
		}
	}
	// The .rpm's pages are %doc, listed one by one (nfpm globs only plain
	// files); the Debian scripts' pages are the .deb's alone.
	for _, m := range requiredPages() {
		want := "dst: " + m.installed() + ", type: doc, packager: rpm,"
		if has := strings.Contains(string(cfg), want); has == m.debOnly() {
			t.Errorf(".goreleaser.yaml: %q listed %v, want %v", want, has, !m.debOnly())
		}
	}
	goreleaser := need(t, "goreleaser")
	cmd := exec.Command(goreleaser, "check")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("goreleaser check: %v\n%s", err, out)
	}
}

// TestGoreleaserBuildsTheSamePackages runs `goreleaser release --snapshot`
// on a copy of the source tree committed to a git repository of its own,
// then packages the same tree at the same version with this program and
// compares the two .debs and the two .rpms: control fields and rpm tags,
// relations, maintainer scripts, conffiles, every path with its mode,
// owner and time stamp, every file's bytes, and for the programs (whose
// bytes differ by the git revision Go stamps into them) Go's build
// settings and the stripping.  GoReleaser runs without SOURCE_DATE_EPOCH:
// its time stamps must come from the configuration.
func TestGoreleaserBuildsTheSamePackages(t *testing.T) {
	goreleaser := need(t, "goreleaser")
	need(t, "git")
	need(t, "dpkg-deb")
	need(t, "rpm")
	t.Parallel()
	start := time.Now()
	tree := releaseTree(t)
	narrowMatrix(t, tree)
	bin7 := t.TempDir()
	build := exec.Command("sh", "scripts/build.sh", bin7)
	build.Dir = root
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm", "GOARM=7")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build.sh for arm7: %v\n%s", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goreleaser, "release", "--snapshot", "--clean", "--skip=publish,archive")
	cmd.Dir = tree
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "SOURCE_DATE_EPOCH=") })
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("goreleaser release --snapshot: %v\n%s", err, out)
	}
	theirs := filepath.Join(tree, "build/goreleaser")
	version := releaseVersion(t, theirs)
	t.Logf("goreleaser: version %s in %v", version, time.Since(start).Round(time.Millisecond))

	for _, a := range []struct{ bin, deb, rpm string }{{bin, "amd64", "x86_64"}, {bin7, "armhf", "armv7hl"}} {
		ours := t.TempDir()
		var stderr strings.Builder
		if run([]string{"-bin", a.bin, "-out", ours, "-src", tree, "-version", version}, &strings.Builder{}, &stderr) != 0 {
			t.Fatalf("packaging: %s", stderr.String())
		}
		deb := "daemontools-go_" + version + "-1_" + a.deb + ".deb"
		rpm := "daemontools-go-" + version + "-1." + a.rpm + ".rpm"
		compareDebs(t, filepath.Join(ours, deb), filepath.Join(theirs, deb))
		compareRpms(t, filepath.Join(ours, rpm), filepath.Join(theirs, rpm))
		for _, p := range []string{deb, rpm} {
			x, _ := os.ReadFile(filepath.Join(ours, p))
			y, _ := os.ReadFile(filepath.Join(theirs, p))
			t.Logf("%s byte for byte the same: %v", p, bytes.Equal(x, y))
		}
	}
	t.Logf("whole test: %v", time.Since(start).Round(time.Millisecond))
}

// goreleaserArches is the architecture list of .goreleaser.yaml's builds.
const goreleaserArches = `    goarch:
      - amd64
      - arm64
      - arm
      - "386"
      - ppc64le
      - s390x
      - mips64le
      - riscv64
      - loong64
    goarm:
      - "5"
      - "7"
`

// narrowMatrix cuts the copy's build matrix down to amd64 and one foreign
// architecture, arm7 (armhf, armv7hl), which keeps the test to two builds
// of each program; TestGoreleaserMatrixIsScriptsArchitectures checks the
// whole list.
func narrowMatrix(t *testing.T, tree string) {
	t.Helper()
	p := filepath.Join(tree, ".goreleaser.yaml")
	cfg, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	narrow := strings.Replace(string(cfg), goreleaserArches, "    goarch: [amd64, arm]\n    goarm: [\"7\"]\n", 1)
	if narrow == string(cfg) {
		t.Fatalf(".goreleaser.yaml has not the architecture list\n%s", goreleaserArches)
	}
	if err := os.WriteFile(p, []byte(narrow), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGoreleaserMatrixIsScriptsArchitectures: .goreleaser.yaml builds for
// every architecture of scripts/architectures (make packages), no other.
func TestGoreleaserMatrixIsScriptsArchitectures(t *testing.T) {
	cfg, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), goreleaserArches) {
		t.Fatalf(".goreleaser.yaml lacks\n%s", goreleaserArches)
	}
	list, err := os.ReadFile(filepath.Join(root, "scripts/architectures"))
	if err != nil {
		t.Fatal(err)
	}
	var ours, theirs []string
	for _, l := range strings.Split(string(list), "\n") {
		if f := strings.Fields(strings.SplitN(l, "#", 2)[0]); len(f) > 0 {
			ours = append(ours, strings.ReplaceAll(f[0], "/", ""))
		}
	}
	for _, l := range strings.Split(goreleaserArches, "\n") {
		if a, ok := strings.CutPrefix(strings.TrimSpace(l), "- "); ok {
			a = strings.Trim(a, `"`)
			switch {
			case a == "arm":
			case len(a) == 1: // a GOARM
				theirs = append(theirs, "arm"+a)
			default:
				theirs = append(theirs, a)
			}
		}
	}
	slices.Sort(ours)
	slices.Sort(theirs)
	if !slices.Equal(ours, theirs) {
		t.Errorf("scripts/architectures %v, .goreleaser.yaml %v", ours, theirs)
	}
}

// releaseTree copies the source tree as git sees it (tracked files and
// untracked ones not ignored) into a new repository, committed at
// SOURCE_DATE_EPOCH and tagged, with a remote as a clone has one (never
// contacted): GoReleaser reads tag, commit date and remote from git.
// Nothing is written to the repository under test.
func releaseTree(t *testing.T) string {
	t.Helper()
	tree := filepath.Join(t.TempDir(), "src")
	list := output(t, time.Minute, "git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	for _, f := range strings.Split(strings.TrimSuffix(list, "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) { // deleted, not yet committed
				continue
			}
			t.Fatal(err)
		}
		fi, err := os.Stat(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(tree, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tree, f), data, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", tree, "-c", "user.name=test", "-c", "user.email=test@invalid"}, args...)...)
		// Not the host's git settings (signing, hooks, default branch).
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_DATE=@"+sourceDateEpoch, "GIT_COMMITTER_DATE=@"+sourceDateEpoch)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "release test")
	git("tag", "v0.76.1")
	git("remote", "add", "origin", homepage+".git")
	return tree
}

// releaseVersion is the version GoReleaser gave its packages.
func releaseVersion(t *testing.T, dist string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dist, "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Version string }
	if err := json.Unmarshal(b, &m); err != nil || m.Version == "" {
		t.Fatalf("metadata.json: %v %q", err, b)
	}
	return m.Version
}

// sameLines reports, for two listings, the lines only in ours (-) and only
// in theirs (+), or "" when they hold the same lines.
func sameLines(ours, theirs string) string {
	a := strings.Split(strings.TrimSpace(ours), "\n")
	b := strings.Split(strings.TrimSpace(theirs), "\n")
	var d []string
	for _, l := range a {
		if !slices.Contains(b, l) {
			d = append(d, "-"+l)
		}
	}
	for _, l := range b {
		if !slices.Contains(a, l) {
			d = append(d, "+"+l)
		}
	}
	if len(d) == 0 && len(a) != len(b) {
		d = append(d, fmt.Sprintf("(%d lines against %d)", len(a), len(b)))
	}
	return strings.Join(d, "\n")
}

// isProgram tells the packaged programs, whose bytes may differ.
func isProgram(p string) bool { return strings.HasPrefix(strings.TrimPrefix(p, "."), "/usr/bin/") }

func compareDebs(t *testing.T, ours, theirs string) {
	t.Helper()
	// Every control field but the size, which follows the programs' bytes.
	control := func(deb string) string {
		var keep []string
		for _, l := range strings.Split(output(t, time.Minute, "dpkg-deb", "-f", deb), "\n") {
			if !strings.HasPrefix(l, "Installed-Size:") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if d := sameLines(control(ours), control(theirs)); d != "" {
		t.Errorf("deb control (- ours, + goreleaser's):\n%s", d)
	}
	// The other control members: maintainer scripts, conffiles, md5sums
	// of all but the programs.
	members := func(deb string) map[string]string {
		dir := t.TempDir()
		output(t, time.Minute, "dpkg-deb", "-e", deb, dir)
		m := map[string]string{}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() == "control" {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			fi, _ := e.Info()
			text := fi.Mode().String() + "\n" + string(b)
			if e.Name() == "md5sums" {
				text = strings.Join(slices.DeleteFunc(strings.Split(text, "\n"), func(l string) bool {
					return strings.Contains(l, "  usr/bin/")
				}), "\n")
			}
			m[e.Name()] = text
		}
		return m
	}
	a, b := members(ours), members(theirs)
	names := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		if a[name] != b[name] {
			t.Errorf("deb control member %s differs (- ours, + goreleaser's):\n%s", name, sameLines(a[name], b[name]))
		}
	}
	// Paths with mode, owner and time stamp (not size: the programs').
	listing := func(deb string) string {
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(output(t, time.Minute, "dpkg-deb", "-c", deb)), "\n") {
			f := strings.Fields(l)
			if len(f) < 6 {
				t.Fatalf("dpkg-deb -c: %q", l)
			}
			lines = append(lines, strings.Join([]string{f[0], f[1], f[3], f[4], strings.Join(f[5:], " ")}, " "))
		}
		return strings.Join(lines, "\n")
	}
	if d := sameLines(listing(ours), listing(theirs)); d != "" {
		t.Errorf("deb files (- ours, + goreleaser's):\n%s", d)
	}
	// Contents.
	x, y := t.TempDir(), t.TempDir()
	output(t, time.Minute, "dpkg-deb", "-x", ours, x)
	output(t, time.Minute, "dpkg-deb", "-x", theirs, y)
	err := filepath.WalkDir(x, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel := strings.TrimPrefix(p, x)
		if isProgram(rel) {
			compareProgram(t, p, y+rel)
			return nil
		}
		a, _ := os.ReadFile(p)
		b, err := os.ReadFile(y + rel)
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("deb %s: goreleaser's differs (%v)", rel, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// compareProgram checks that two builds of a program were made the same
// way: Go's recorded build settings (but the git revision) and no symbol
// table or DWARF (-s -w).
func compareProgram(t *testing.T, ours, theirs string) {
	t.Helper()
	settings := func(p string) string {
		info, err := buildinfo.ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return ""
		}
		s := []string{info.GoVersion, info.Path, info.Main.Path}
		for _, dep := range info.Deps {
			s = append(s, "dep "+dep.Path+" "+dep.Version)
		}
		for _, kv := range info.Settings {
			if !strings.HasPrefix(kv.Key, "vcs") {
				s = append(s, kv.Key+"="+kv.Value)
			}
		}
		f, err := elf.Open(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return ""
		}
		defer f.Close()
		for _, sec := range f.Sections {
			if sec.Name == ".symtab" || strings.HasPrefix(sec.Name, ".debug_") || strings.HasPrefix(sec.Name, ".zdebug_") {
				s = append(s, "section "+sec.Name)
			}
		}
		return strings.Join(s, "\n")
	}
	if d := sameLines(settings(ours), settings(theirs)); d != "" {
		t.Errorf("%s built differently (- ours, + goreleaser's):\n%s", filepath.Base(ours), d)
	}
}

func compareRpms(t *testing.T, ours, theirs string) {
	t.Helper()
	query := func(rpm string, args ...string) string {
		return output(t, time.Minute, "rpm", append(append([]string{"-qp"}, args...), rpm)...)
	}
	header := "Name: %{NAME}\nVersion: %{VERSION}\nRelease: %{RELEASE}\nEpoch: %{EPOCH}\nArch: %{ARCH}\nOS: %{OS}\n" +
		"Summary: %{SUMMARY}\nGroup: %{GROUP}\nLicense: %{LICENSE}\nURL: %{URL}\nVendor: %{VENDOR}\n" +
		"Packager: %{PACKAGER}\nDescription:\n%{DESCRIPTION}\n"
	if a, b := query(ours, "--queryformat", header), query(theirs, "--queryformat", header); a != b {
		t.Errorf("rpm header differs:\nours:\n%s\ngoreleaser's:\n%s", a, b)
	}
	// Requires with their kind (manual, post...).  GoReleaser's nfpm
	// (v2.45.2) writes no Requires(post) and GoReleaser does not run
	// addErasePrereqs: for each of scriptletRequires ours has "post NAME"
	// and "preun,postun NAME" where goreleaser's has the plain "manual
	// NAME"; everything else must be the same.
	requires := func(rpm string) []string {
		return strings.Split(strings.TrimSpace(query(rpm, "--queryformat", `[%{REQUIREFLAGS:deptype} %{REQUIRENAME}\n]`)), "\n")
	}
	var oursAsTheirs []string
	for _, l := range requires(ours) {
		if name, ok := strings.CutPrefix(l, "post "); ok && slices.Contains(scriptletRequires, name) {
			continue
		}
		if name, ok := strings.CutPrefix(l, "preun,postun "); ok && slices.Contains(scriptletRequires, name) {
			l = "manual " + name
		}
		oursAsTheirs = append(oursAsTheirs, l)
	}
	if d := sameLines(strings.Join(oursAsTheirs, "\n"), strings.Join(requires(theirs), "\n")); d != "" {
		t.Errorf("rpm requires, ours with Requires(post) dropped and (preun,postun) as plain (- ours, + goreleaser's):\n%s", d)
	}
	for _, q := range []string{"--provides", "--conflicts", "--obsoletes", "--recommends",
		"--suggests", "--supplements", "--enhances", "--scripts", "--triggers"} {
		if a, b := query(ours, q), query(theirs, q); a != b {
			t.Errorf("rpm %s (- ours, + goreleaser's):\n%s", q, sameLines(a, b))
		}
	}
	// Paths with mode, owner, flags (%config…), time stamp and digest (not
	// the programs').
	files := func(rpm string) string {
		out := query(rpm, "--queryformat", `[%{FILENAMES} %{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILEFLAGS:fflags} %{FILEMTIMES} %{FILEDIGESTS}\n]`)
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if isProgram(l) {
				l = l[:strings.LastIndexByte(l, ' ')]
			}
			lines = append(lines, l)
		}
		return strings.Join(lines, "\n")
	}
	if d := sameLines(files(ours), files(theirs)); d != "" {
		t.Errorf("rpm files (- ours, + goreleaser's):\n%s", d)
	}
}
