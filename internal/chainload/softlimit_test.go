package chainload_test

import (
	"strings"
	"testing"
)

// TestSoftlimitEachOptionAs076: every option letter sets 0.76's rlimits
// (-m sets data, stack, locked memory and address space), "=" raises to
// the hard limit, values above the hard limit are clamped, the empty
// value is 0, an overflowing number wraps as scan_ulong does, and options
// apply in order (a later one wins).
func TestSoftlimitEachOptionAs076(t *testing.T) {
	for _, args := range [][]string{
		{"-a", "1500000000"},
		{"-c", "12345"},
		{"-d", "400000000"},
		{"-f", "99999999"},
		{"-l", "65536"},
		{"-m", "600000000"},
		{"-o", "64"},
		{"-p", "777"},
		{"-r", "123456789"},
		{"-s", "4000000"},
		{"-t", "100"},
		{"-a", "=", "-c", "=", "-d", "=", "-f", "=", "-l", "=", "-m", "=", "-o", "=", "-p", "=", "-r", "=", "-s", "=", "-t", "="},
		{"-o", "999999999999"},
		{"-l", "18446744073709551615"},
		{"-c", ""},
		{"-c", "18446744073709551617"},
		{"-o", "50", "-o", "60"},
		{"-m", "500000000", "-d", "300000000"},
		{"-c0", "-o70"},
	} {
		r := same(t, "softlimit", dumpAfter(args...))
		if r.code != 0 {
			t.Errorf("softlimit %q: exit %d %s", args, r.code, r.stderr)
		}
	}
}

// TestSoftlimitBadNumberIsUsage: anything but digits or "=" is a usage
// error (exit 100), even after good options.
func TestSoftlimitBadNumberIsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-o", "abc", "/bin/true"},
		{"-o", "1x", "/bin/true"},
		{"-o", "-1", "/bin/true"},
		{"-o", " 5", "/bin/true"},
		{"-c", "0", "-m", "==", "/bin/true"},
	} {
		if r := same(t, "softlimit", withArgs(args...)); r.code != 100 {
			t.Errorf("softlimit %q: exit %d", args, r.code)
		}
	}
}

// TestSoftlimitKeepsInheritedOpenFiles: Go raises its own soft
// RLIMIT_NOFILE at start-up; the program run must get the inherited one
// back when -o is not given (here 0.76's softlimit lowers it first).
func TestSoftlimitKeepsInheritedOpenFiles(t *testing.T) {
	for _, name := range programs {
		args := map[string][]string{
			"setuidgid": {"root"}, "envuidgid": {"root"}, "envdir": {t.TempDir()},
			"softlimit": {"-p", "1000"}, "setlock": {t.TempDir() + "/lock"},
		}[name]
		run := func(path string) result {
			inv := dumpAfter(append([]string{"-o", "1000", path}, args...)...)
			return start(t, oraclePath(t, "softlimit"), "softlimit", inv)
		}
		c, g := run(oraclePath(t, name)), run(ourPath(name))
		if !strings.Contains(g.stdout, "Max open files            1000 ") || limitsOf(c.stdout) != limitsOf(g.stdout) {
			t.Errorf("%s: limits C\n%s\nours\n%s", name, limitsOf(c.stdout), limitsOf(g.stdout))
		}
	}
}

// limitsOf cuts the /proc/self/limits table out of a dump.
func limitsOf(s string) string {
	i, j := strings.Index(s, "Limit "), strings.Index(s, "\nstat\n")
	if i < 0 || j < i {
		return ""
	}
	return s[i:j]
}
