package chainload_test

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strings"
	"testing"
)

// testAccount creates a user whose primary group is one new group and
// who is a member of two more, and removes them when the test ends.
func testAccount(t *testing.T) (name, primaryGid string) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("creating a test account needs root (CI runs as root)")
	}
	for _, tool := range []string{"useradd", "groupadd", "userdel", "groupdel"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	suffix := fmt.Sprintf("%d", os.Getpid()%100000)
	name = "dtgou" + suffix
	groups := []string{"dtgop" + suffix, "dtgoa" + suffix, "dtgob" + suffix}
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, out)
		}
	}
	for _, g := range groups {
		exec.Command("groupdel", g).Run() // left over from a killed run
		run("groupadd", g)
		t.Cleanup(func() { exec.Command("groupdel", g).Run() })
	}
	exec.Command("userdel", name).Run()
	run("useradd", "-M", "-N", "-d", "/nonexistent", "-s", "/bin/sh", "-g", groups[0], "-G", groups[1]+","+groups[2], name)
	t.Cleanup(func() { exec.Command("userdel", name).Run() })
	g, err := user.LookupGroup(groups[0])
	if err != nil {
		t.Fatal(err)
	}
	return name, g.Gid
}

// TestSetuidgidDropsSupplementaryGroups: as 0.76, setuidgid leaves the
// account's primary group as the only group, even when /etc/group lists
// the account in others, and sets real and effective ids alike.
func TestSetuidgidDropsSupplementaryGroups(t *testing.T) {
	name, gid := testAccount(t)
	if out, _ := exec.Command("id", "-G", name).Output(); len(strings.Fields(string(out))) != 3 {
		t.Fatalf("test account not in 3 groups: %q", out)
	}
	r := same(t, "setuidgid", dumpAfter(name))
	if !strings.Contains(r.stdout, "\nGroups: "+gid+"\n") {
		t.Errorf("groups not reduced to %s:\n%s", gid, r.stdout)
	}
	same(t, "envuidgid", dumpAfter(name))
}

// TestSetuidgidFailuresAs076: an unknown account, and an ordinary user
// (who may not setgroups) trying to switch: 0.76's messages and 111.
func TestSetuidgidFailuresAs076(t *testing.T) {
	for _, name := range []string{"setuidgid", "envuidgid"} {
		same(t, name, withArgs("no-such-account-dtgo", "/bin/true"))
		same(t, name, withArgs("", "/bin/true"))
	}
	if os.Getuid() != 0 {
		t.Skip("needs root to become nobody first")
	}
	// nobody runs setuidgid root: setgroups fails with EPERM.
	ours := copyForAnyone(t, "setuidgid")
	run := func(path string) result {
		return start(t, oraclePath(t, "setuidgid"), "setuidgid", withArgs("nobody", path, "root", "/bin/true"))
	}
	c, g := run(oraclePath(t, "setuidgid")), run(ours)
	if c != g || c.stderr != "setuidgid: fatal: unable to setgid: permission denied\n" {
		t.Errorf("C %+v ours %+v", c, g)
	}
}
