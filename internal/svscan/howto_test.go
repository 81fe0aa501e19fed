package svscan

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// howto runs a HOW-TO command sequence with sh, /service and /path/to (or
// /var/qmail) moved under a temporary root, and svok, svstat from our
// build first in PATH. It returns the output.
func howto(t *testing.T, root, script string) string {
	t.Helper()
	bin := t.TempDir()
	for _, name := range []string{"svok", "svstat"} {
		os.Symlink(tool(t, name), filepath.Join(bin, name))
	}
	script = strings.NewReplacer("/service", root+"/service", "/path/to", root+"/path/to",
		"/var/qmail", root+"/var/qmail").Replace(script)
	cmd := exec.Command("/bin/sh", "-ec", script)
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s\nscript:\n%s", err, out, script)
	}
	return string(out)
}

var upLine = regexp.MustCompile(`^(\S+): up \(pid [0-9]+\) [0-9]+ seconds$`)

// waitSvok polls "svok DIR" until it succeeds (the HOW-TO says supervise
// starts within five seconds), then waits until the service is up.
func waitSvok(t *testing.T, dir string) {
	t.Helper()
	testkit.Eventually(t, 20*time.Second, func() bool {
		return exec.Command(tool(t, "svok"), dir).Run() == nil
	}, "svok %s never succeeded", dir)
	// svok succeeds once supervise reads its control FIFO, a moment before
	// it starts the service: svstat would say "down 0 seconds" then, not
	// what the HOW-TO shows.
	waitUp(t, dir, 20*time.Second)
}

// checkUp checks svstat output lines against the HOW-TO's
// "/service/sub: up (pid 1234) 20 seconds".
func checkUp(t *testing.T, out string, dirs ...string) {
	t.Helper()
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(got) != len(dirs) {
		t.Fatalf("svstat printed %q, want %d lines", out, len(dirs))
	}
	for i, line := range got {
		m := upLine.FindStringSubmatch(line)
		if m == nil || m[1] != dirs[i] {
			t.Errorf("svstat line %q, want %s: up (pid N) N seconds", line, dirs[i])
		}
	}
}

// TestHowtoChapter3StickyBitConvention runs chapter 3.2 of the HOW-TO
// literally: the service without a log (a), the service with a log set up
// with "chmod +t" as the HOW-TO teaches (b), and the qmail example, whose
// commands run in a different order. 0.76 ignores the sticky bit and looks
// for log/; the result must be what the HOW-TO describes.
func TestHowtoChapter3StickyBitConvention(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(root+"/service", 0o755)
	os.MkdirAll(root+"/path/to", 0o755)
	os.MkdirAll(root+"/var/qmail/supervise", 0o755)
	s := ourScan(t, root+"/service")

	// a) ログを取らない場合
	howto(t, root, `
mkdir /path/to/foo
printf '#!/bin/sh\necho foo running\nexec sleep 1000\n' > /path/to/foo/run; chmod +x /path/to/foo/run
ln -s /path/to/foo /service/sub
`)
	waitSvok(t, root+"/service/sub")
	out := howto(t, root, `
svok /service/sub; echo "$?"
svstat /service/sub
`)
	first, rest, _ := strings.Cut(out, "\n")
	if first != "0" {
		t.Errorf("svok printed %q, want 0", first)
	}
	checkUp(t, rest, root+"/service/sub")

	// b) ログを取る場合
	howto(t, root, `
mkdir /path/to/bar
mkdir /path/to/bar/log
chmod +t /path/to/bar
chown nobody.nogroup /path/to/bar/log 2>/dev/null
printf '#!/bin/sh\necho bar running\nexec sleep 1000\n' > /path/to/bar/run; chmod +x /path/to/bar/run
printf '#!/bin/sh\nexec multilog t ./main\n' > /path/to/bar/log/run; chmod +x /path/to/bar/log/run
ln -s /path/to/bar /service/sub2
`)
	waitSvok(t, root+"/service/sub2")
	waitSvok(t, root+"/service/sub2/log")
	out = howto(t, root, `
svok /service/sub2; echo "$?"
svok /service/sub2/log; echo "$?"
svstat /service/sub2 /service/sub2/log
`)
	parts := strings.SplitN(out, "\n", 3)
	if parts[0] != "0" || parts[1] != "0" {
		t.Errorf("svok printed %q %q, want 0 0", parts[0], parts[1])
	}
	checkUp(t, parts[2], root+"/service/sub2", root+"/service/sub2/log")
	testkit.Eventually(t, 10*time.Second, func() bool {
		l := lines(root + "/path/to/bar/log/main/current")
		return len(l) > 0 && strings.HasSuffix(l[0], " bar running")
	}, "bar's output not in its log")

	// 具体例 (qmail): chmod +t before mkdir log.
	howto(t, root, `
mkdir /var/qmail/supervise/qmail-send
chmod +t /var/qmail/supervise/qmail-send
mkdir /var/qmail/supervise/qmail-send/log
chown nobody.nogroup /var/qmail/supervise/qmail-send/log 2>/dev/null
printf '#!/bin/sh\necho qmail-send running\nexec sleep 1000\n' > /var/qmail/supervise/qmail-send/run
printf '#!/bin/sh\nexec multilog t ./main\n' > /var/qmail/supervise/qmail-send/log/run
chmod +x /var/qmail/supervise/qmail-send/run /var/qmail/supervise/qmail-send/log/run
ln -s /var/qmail/supervise/qmail-send /service/qmail
`)
	waitSvok(t, root+"/service/qmail")
	waitSvok(t, root+"/service/qmail/log")
	checkUp(t, howto(t, root, "svstat /service/qmail /service/qmail/log\n"),
		root+"/service/qmail", root+"/service/qmail/log")
	testkit.Eventually(t, 10*time.Second, func() bool {
		l := lines(root + "/var/qmail/supervise/qmail-send/log/main/current")
		return len(l) > 0 && strings.HasSuffix(l[0], " qmail-send running")
	}, "qmail-send's output not in its log")
	if e := s.stderr.String(); e != "" {
		t.Errorf("svscan stderr: %q", e)
	}
}
