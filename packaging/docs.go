package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// defaultVersion is used when git describe finds no release tag: the
// 0.76-compatible series, before its first release.
const defaultVersion = "0.76.1~dev"

// writeStage writes the generated files into stage: the man pages gzipped
// (deterministic: no name, no time stamp, best compression, like gzip -9n),
// the Debian changelog, the .rpm's changelog and the copyright file.
func writeStage(stage, src string, inv inventory, version string, date time.Time) error {
	// Pages removed from man/ since the last -stage must not linger.
	for _, d := range []string{"man", "doc", "init"} {
		if err := os.RemoveAll(filepath.Join(stage, d)); err != nil {
			return fmt.Errorf("clean stage: %w", err)
		}
	}
	for _, m := range inv.manPages {
		page, err := os.ReadFile(filepath.Join(src, "man", string(m)))
		if err != nil {
			return fmt.Errorf("read man page: %w", err)
		}
		if err := writeGzip(filepath.Join(stage, m.staged()), page); err != nil {
			return err
		}
	}
	copyright, err := os.ReadFile(filepath.Join(src, "packaging/copyright"))
	if err != nil {
		return fmt.Errorf("read copyright: %w", err)
	}
	if err := writeFile(filepath.Join(stage, "doc/copyright"), copyright); err != nil {
		return err
	}
	initScript, err := os.ReadFile(filepath.Join(src, "init/svscan.init"))
	if err != nil {
		return fmt.Errorf("read init script: %w", err)
	}
	rpmInit, err := rpmInitScript(initScript)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(stage, "init/svscan.rpm.init"), rpmInit); err != nil {
		return err
	}
	if err := os.Chmod(filepath.Join(stage, "init/svscan.rpm.init"), 0o755); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(stage, "doc/changelog.yml"), rpmChangelog(version, date)); err != nil {
		return err
	}
	return writeGzip(filepath.Join(stage, "doc/changelog.Debian.gz"), debianChangelog(version, date))
}

// rpmInitScript is the init script as the .rpm ships it: off by default in
// every runlevel.  chkconfig --add reads the LSB lines too and ORs
// Default-Start into the "chkconfig: -" line's empty set, so Debian's
// "Default-Start: 2 3 4 5", which update-rc.d needs, would enable svscan.
func rpmInitScript(deb []byte) ([]byte, error) {
	s := string(deb)
	for _, r := range [][2]string{
		{"# Default-Start:     2 3 4 5\n", "# Default-Start:\n"},
		{"# Default-Stop:      0 1 6\n", "# Default-Stop:      0 1 2 3 4 5 6\n"},
	} {
		if strings.Count(s, r[0]) != 1 {
			return nil, fmt.Errorf("init/svscan.init: no line %q to make the .rpm's copy", strings.TrimSpace(r[0]))
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	return []byte(s), nil
}

// rpmChangelog is the same one entry for the .rpm's %changelog, in the
// YAML nfpm reads (github.com/goreleaser/chglog).  nfpm titles the entry
// "PACKAGER - SEMVER", so SEMVER is VERSION-RELEASE, as rpmbuild's
// changelog lines end.
func rpmChangelog(version string, date time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "- semver: %q\n", version+"-1")
	fmt.Fprintf(&b, "  date: %s\n", date.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "  packager: %q\n", maintainer)
	fmt.Fprintf(&b, "  changes:\n")
	fmt.Fprintf(&b, "    - note: %q\n", "Package built with daemontools-go's packaging program (go run ./packaging). "+
		"The history of the sources is in the git repository at "+homepage+".")
	return b.Bytes()
}

// debianChangelog is a one-entry changelog in Debian's format, as Debian
// policy 12.7 wants one in every binary package; the project's history is
// its git log.
func debianChangelog(version string, date time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s (%s-1) unstable; urgency=medium\n\n", packageName, version)
	fmt.Fprintf(&b, "  * Package built with daemontools-go's packaging program (go run\n")
	fmt.Fprintf(&b, "    ./packaging).  The history of the sources is in the git repository\n")
	fmt.Fprintf(&b, "    at %s.\n\n", homepage)
	fmt.Fprintf(&b, " -- %s  %s\n", maintainer, date.UTC().Format(time.RFC1123Z))
	return b.Bytes()
}

func writeGzip(path string, data []byte) error {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	return writeFile(path, b.Bytes())
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

var describeForm = regexp.MustCompile(`^v?([0-9][0-9.]*)(?:-([0-9]+)-g([0-9a-f]+))?$`)

// gitVersion turns `git describe --tags` into a package version: tag
// v0.76.1 gives 0.76.1, three commits later 0.76.1+git3.gabcdef0, which
// sorts after it for dpkg and rpm alike.  Without a tag: defaultVersion.
func gitVersion(src string) string {
	out, err := exec.Command("git", "-C", src, "describe", "--tags", "--match", "v[0-9]*").Output()
	if err != nil {
		return defaultVersion
	}
	m := describeForm.FindStringSubmatch(strings.TrimSpace(string(out)))
	if m == nil {
		return defaultVersion
	}
	if m[2] == "" {
		return m[1]
	}
	return m[1] + "+git" + m[2] + ".g" + m[3]
}

// sourceDate is the time stamp of every file in the packages, so that the
// same sources give the same packages: SOURCE_DATE_EPOCH if set, else the
// time of the last commit.
func sourceDate(src string) time.Time {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	out, err := exec.Command("git", "-C", src, "log", "-1", "--format=%ct").Output()
	if err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
}

// splitList splits a comma-separated flag value.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
