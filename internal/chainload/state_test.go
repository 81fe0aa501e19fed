package chainload_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestStateAfterEachWrapperAs076 runs every program in front of the state
// dump, ours and 0.76's the same way, and compares the dumps: credentials,
// supplementary groups, signal mask and dispositions, every resource
// limit, process group and session, the exact environment block, the open
// descriptors (with their flags) and the working directory.
func TestStateAfterEachWrapperAs076(t *testing.T) {
	lock := filepath.Join(t.TempDir(), "lock")
	for _, c := range []struct {
		name string
		args []string
	}{
		{"pgrphack", nil},
		{"fghack", nil},
		{"setuidgid", []string{"root"}},
		{"setuidgid", []string{"nobody"}},
		{"envuidgid", []string{"root"}},
		{"envuidgid", []string{"nobody"}},
		{"setlock", []string{lock}},
		{"setlock", []string{"-n", lock}},
		{"softlimit", []string{"-o", "100"}},
	} {
		r := same(t, c.name, dumpAfter(c.args...))
		if r.code != 0 || !strings.Contains(r.stdout, "fds") {
			t.Errorf("%s %q: exit %d, %s", c.name, c.args, r.code, r.stderr)
		}
	}
}

// TestEnvironmentPassedExactly: duplicate entries, entries without '=',
// empty entries and their order reach the program unchanged, and
// envuidgid's GID and UID replace existing ones in 0.76's order.
func TestEnvironmentPassedExactly(t *testing.T) {
	env := []string{"Z=1", "PATH=/usr/bin:/bin", "UID=7", "NOEQUALS", "", "A=1", "A=2", "GID=8", "B=3"}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"pgrphack", nil},
		{"setuidgid", []string{"root"}},
		{"envuidgid", []string{"root"}},
		{"softlimit", []string{"-t", "="}},
	} {
		inv := dumpAfter(c.args...)
		inv.env = env
		same(t, c.name, inv)
	}
}
