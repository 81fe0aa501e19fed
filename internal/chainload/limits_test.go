package chainload_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// limiter is a way run scripts set soft memory limits in front of a
// program: 0.76's softlimit (ours or C), runit's chpst, or the shell.
type limiter struct {
	name string
	argv func(t *testing.T, bytes int) []string // the command that sets them, then runs its arguments
}

var limiters = []limiter{
	{"our softlimit -m", func(t *testing.T, n int) []string {
		return []string{testkit.Path("softlimit"), "-m", strconv.Itoa(n)}
	}},
	{"C softlimit -m", func(t *testing.T, n int) []string {
		return []string{testkit.Oracle(t, "softlimit"), "-m", strconv.Itoa(n)}
	}},
	{"C softlimit -a -d -s", func(t *testing.T, n int) []string {
		s := strconv.Itoa(n)
		return []string{testkit.Oracle(t, "softlimit"), "-a", s, "-d", s, "-s", s}
	}},
	{"chpst -m", func(t *testing.T, n int) []string {
		return []string{testkit.Installed(t, "/usr/bin/chpst", "runit"), "-m", strconv.Itoa(n)}
	}},
	{"ulimit -S", func(t *testing.T, n int) []string {
		k := strconv.Itoa(n / 1024)
		return []string{"/bin/sh", "-c", `ulimit -S -v ` + k + `; ulimit -S -d ` + k + `; ulimit -S -s ` + k + `; exec "$0" "$@"`}
	}},
}

// TestProgramsRunUnderMemoryLimitsAs076: each chain-loader placed after a
// soft limit on RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK, however it was
// set, runs its program with exactly the limits it got, as the C program
// does (the Go runtime alone needs more than these limits to start; the
// entry step of internal/rlimit makes room and puts them back). The
// dump compares everything else too.
func TestProgramsRunUnderMemoryLimitsAs076(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "lock")
	env := filepath.Join(dir, "env")
	if err := os.Mkdir(env, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, env, "LIMITED", "yes\n")
	cases := []struct {
		name string
		args []string
	}{
		{"setuidgid", []string{"nobody"}},
		{"envuidgid", []string{"nobody"}},
		{"envdir", []string{env}},
		{"softlimit", []string{"-o", "100"}},
		{"setlock", []string{lock}},
		{"pgrphack", nil},
		{"fghack", nil},
	}
	// 50 MB leaves the shell and the tools of the dump room to run; the
	// Go runtime needs about 720 MB of address space and 42 MB of data.
	const limit = 50 << 20 // a whole number of kB, for ulimit
	for _, l := range limiters {
		for _, c := range cases {
			t.Run(l.name+"/"+c.name, func(t *testing.T) {
				prefix := l.argv(t, limit)
				run := func(prog string) result {
					args := append(append(append(prefix[1:len(prefix):len(prefix)], prog), c.args...), dumpArgv...)
					return start(t, prefix[0], filepath.Base(prefix[0]), invocation{args: args, dir: dir})
				}
				cr, gr := run(testkit.Oracle(t, c.name)), run(testkit.Path(c.name))
				cr.stdout, gr.stdout = normalize(cr.stdout), normalize(gr.stdout)
				if cr != gr {
					t.Errorf("differs from 0.76: exit C %d ours %d\nstderr C:    %q\nstderr ours: %q\nstdout: %s",
						cr.code, gr.code, cr.stderr, gr.stderr, lineDiff(cr.stdout, gr.stdout))
				}
				if gr.code != 0 || !strings.Contains(gr.stdout, "Max address space         52428800") {
					t.Errorf("exit %d, stderr %q, limits not handed on:\n%s", gr.code, gr.stderr, gr.stdout)
				}
			})
		}
	}
}

// TestSoftlimitSetsOverStartingLimitsAs076: softlimit under a limit set
// before it hands on that limit for what it was not asked to change and
// its own value for the rest, as 0.76's does; "=" raises to the hard
// limit.
func TestSoftlimitSetsOverStartingLimitsAs076(t *testing.T) {
	for _, args := range [][]string{
		{"-d", "30000000"},
		{"-a", "40000000", "-s", "1000000"},
		{"-a", "="},
		{"-m", "="},
		{"-m", "20000000", "-d", "="},
	} {
		dir := t.TempDir()
		outer := []string{testkit.Oracle(t, "softlimit"), "-m", "50000000"}
		run := func(prog string) result {
			all := append(append(append(outer[1:len(outer):len(outer)], prog), args...), dumpArgv...)
			return start(t, outer[0], "softlimit", invocation{args: all, dir: dir})
		}
		cr, gr := run(testkit.Oracle(t, "softlimit")), run(testkit.Path("softlimit"))
		cr.stdout, gr.stdout = normalize(cr.stdout), normalize(gr.stdout)
		if cr != gr || gr.code != 0 {
			t.Errorf("softlimit %q under softlimit -m 50000000: exit C %d ours %d\nstderr ours: %q\nstdout: %s",
				args, cr.code, gr.code, gr.stderr, lineDiff(cr.stdout, gr.stdout))
		}
	}
}

// TestMemoryLimitFloorsNoHigherThanC finds, for each resource, the lowest
// soft limit under which "PROGRAM ... /bin/true" succeeds with the C
// program and with ours. Ours may need no more address space or stack
// than the C program, give or take the page or two by which these floors
// move from one run to the next (the kernel places the stack and the
// mappings at random); for RLIMIT_DATA the kernel itself maps our static
// binary's data and bss (about 260 kB, most of it the Go runtime's) at
// the exec, before any instruction of ours runs, where the C program's
// dynamic libc needs about 125 kB: ours may need up to 300,000 bytes,
// the smallest limit djbdns's run scripts set (softlimit -d300000).
func TestMemoryLimitFloorsNoHigherThanC(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "lock")
	cases := []struct {
		name string
		args []string
	}{
		{"setuidgid", []string{"nobody"}},
		{"envuidgid", []string{"nobody"}},
		{"envdir", []string{dir}},
		{"softlimit", []string{"-o", "100"}},
		{"setlock", []string{lock}},
		{"pgrphack", nil},
		{"fghack", nil},
	}
	resources := []struct {
		flag  string // softlimit's option
		slack int    // how much more than C ours may need
		cap   int    // or at most this much
	}{
		{"-a", 16 << 10, 0},
		{"-d", 0, 300_000},
		{"-s", 16 << 10, 0},
	}
	for _, c := range cases {
		for _, r := range resources {
			ok := func(prog string) func(int) bool {
				return func(n int) bool {
					args := append(append([]string{r.flag, strconv.Itoa(n), prog}, c.args...), "/bin/true")
					return start(t, testkit.Oracle(t, "softlimit"), "softlimit", invocation{args: args, dir: dir}).code == 0
				}
			}
			cf, gf := floor(ok(testkit.Oracle(t, c.name))), floor(ok(testkit.Path(c.name)))
			t.Logf("%s: softlimit %s floor: C %d, ours %d", c.name, r.flag, cf, gf)
			if gf > cf+r.slack && gf > r.cap {
				t.Errorf("%s needs softlimit %s %d, C only %d", c.name, r.flag, gf, cf)
			}
		}
	}
}

// floor is the lowest n (to 4 kB) in [0, 1 GB] for which ok holds, by
// bisection (ok is monotonic: more memory never hurts).
func floor(ok func(int) bool) int {
	lo, hi := 0, 1<<30
	for hi-lo > 4096 {
		mid := (lo + hi) / 2
		if ok(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}
