package chainload_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The NSS tests give an account that only an NSS module knows to ours
// and to 0.76 alike, without touching the host's configuration: both run
// in a private mount namespace (unshare -m) where /etc/nsswitch.conf says
// "passwd: files systemd" and /run is the test's directory, whose
// userdb/ holds JSON records that nss-systemd(8) reads itself (no daemon
// needed). /etc/passwd stays the host's and does not have the account.
const nssUser = "dtgonss"

// nssScript mounts the test's files ($1) and runs the rest of its
// arguments in their place; with NOGETENT set in its environment it also
// hides getent (an empty file that cannot be run).
const nssScript = `set -e
mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf
mount --bind "$1/run" /run
if [ -n "${NOGETENT-}" ]; then mount --bind "$1/nsswitch.conf" /usr/bin/getent; fi
shift
exec "$@"`

// nssNamespace writes the test's NSS files and returns the command line
// prefix that runs a program under them; it skips where that cannot be
// done.
func nssNamespace(t *testing.T) []string {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("mounting in a private namespace needs root (CI runs as root)")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare(1)")
	}
	if _, err := os.Stat("/usr/bin/getent"); err != nil {
		t.Skip("needs getent(1)")
	}
	if m, _ := filepath.Glob("/lib/*/libnss_systemd.so.2"); len(m) == 0 {
		t.Skip("needs nss-systemd (libnss-systemd)")
	}
	dir := t.TempDir()
	writeFile(t, dir, "nsswitch.conf", "passwd: files systemd\n")
	userdb := filepath.Join(dir, "run", "userdb")
	if err := os.MkdirAll(userdb, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, userdb, nssUser+".user", `{"userName":"`+nssUser+`","uid":4711,"gid":4712,"homeDirectory":"/","shell":"/bin/sh"}`+"\n")
	if out, err := exec.Command(unshare, "-m", "/bin/sh", "-c", nssScript, "sh", dir, "getent", "passwd", nssUser).CombinedOutput(); err != nil ||
		string(out) != nssUser+":x:4711:4712:"+nssUser+":/:/bin/sh\n" {
		t.Skipf("nss-systemd does not serve the test account here: %v %q", err, out)
	}
	if data, err := os.ReadFile("/etc/passwd"); err != nil || strings.Contains("\n"+string(data), "\n"+nssUser+":") {
		t.Fatalf("/etc/passwd unreadable or has %s: the test would not reach NSS (%v)", nssUser, err)
	}
	return []string{unshare, "-m", "/bin/sh", "-c", nssScript, "sh", dir}
}

// sameUnderNSS is same, with both programs run in the NSS namespace.
func sameUnderNSS(t *testing.T, name string, inv invocation) result {
	t.Helper()
	ns := nssNamespace(t)
	if inv.dir == "" {
		inv.dir = t.TempDir()
		os.Chmod(inv.dir, 0o755)
	}
	run := func(prog string) result {
		w := inv
		w.args = append(append(append([]string(nil), ns[1:]...), prog), inv.args...)
		return start(t, ns[0], "unshare", w)
	}
	c, g := run(oraclePath(t, name)), run(ourPath(name))
	c.stdout, g.stdout = normalize(c.stdout), normalize(g.stdout)
	if c != g {
		t.Errorf("%s %q under NSS differs from 0.76: exit C %d ours %d\nstderr C:    %q\nstderr ours: %q\nstdout: %s",
			name, short(inv.args), c.code, g.code, c.stderr, g.stderr, lineDiff(c.stdout, g.stdout))
	}
	return g
}

// TestAccountOnlyInNSSAsGetpwnam: an account that /etc/passwd lacks and
// an NSS module has is found, as 0.76's getpwnam finds it; setuidgid
// takes its ids with the primary group as the only group (0.76's
// prot_gid), envuidgid sets UID and GID; the
// program run gets the same descriptors, signal state, limits and
// environment as under 0.76 (getent's child left nothing behind).
func TestAccountOnlyInNSSAsGetpwnam(t *testing.T) {
	r := sameUnderNSS(t, "setuidgid", dumpAfter(nssUser))
	if r.code != 0 || !strings.Contains(r.stdout, "Uid: 4711\t4711\t4711\t4711\n") || !strings.Contains(r.stdout, "\nGroups: 4712\n") {
		t.Errorf("setuidgid %s: exit %d %q\n%s", nssUser, r.code, r.stderr, r.stdout)
	}
	r = sameUnderNSS(t, "envuidgid", dumpAfter(nssUser))
	if r.code != 0 || !strings.Contains(r.stdout, "\nGID=4712\nUID=4711\n") {
		t.Errorf("envuidgid %s: exit %d %q\n%s", nssUser, r.code, r.stderr, r.stdout)
	}
	inv := dumpAfter(nssUser)
	inv.env = []string{"PATH=/usr/bin:/bin", "UID=1", "NOEQUALS", "A=1", "A=2"}
	sameUnderNSS(t, "envuidgid", inv)
}

// TestUnknownAccountsUnderNSSAs076: names NSS does not have, names getent
// would read as a user id ("0" is root's uid, not an account named "0"),
// names getent could take for an option, and names no database can hold
// are unknown accounts, with 0.76's message and 111, for both programs.
func TestUnknownAccountsUnderNSSAs076(t *testing.T) {
	for _, name := range []string{"setuidgid", "envuidgid"} {
		for _, account := range []string{"no-such-account-dtgo", "0", " 0", "+0", "-1", "4711", "-x", "--help", "-", "a:b", "root\nx", ""} {
			r := sameUnderNSS(t, name, withArgs(account, "/bin/true"))
			if r.code != 111 || r.stderr != name+": fatal: unknown account "+account+"\n" {
				t.Errorf("%s %q: exit %d %q", name, account, r.code, r.stderr)
			}
		}
	}
}

// TestGetentOnlyFromFixedPlaces: getent is run from /usr/bin or /bin,
// never found along the caller's PATH; where it cannot be run, an account
// only NSS knows is reported unknown (0.76's message and 111), and one in
// /etc/passwd is found as before.
func TestGetentOnlyFromFixedPlaces(t *testing.T) {
	ns := nssNamespace(t)
	fake := t.TempDir()
	testkitScript(t, filepath.Join(fake, "getent"), "#!/bin/sh\necho "+nssUser+":x:0:0::/:/bin/sh\n")
	path := "PATH=" + fake + ":/usr/bin:/bin"
	for _, c := range []struct {
		env            []string
		account        string
		code           int
		stdout, stderr string
	}{
		{[]string{path}, nssUser, 0, "UID=4711\n", ""},
		{[]string{path, "NOGETENT=1"}, nssUser, 111, "", "envuidgid: fatal: unknown account " + nssUser + "\n"},
		{[]string{path}, "root", 0, "UID=0\n", ""},
		{[]string{path, "NOGETENT=1"}, "root", 0, "UID=0\n", ""},
	} {
		inv := invocation{env: c.env, args: append(append(append([]string(nil), ns[1:]...), ourPath("envuidgid")), c.account, "/bin/sh", "-c", "echo UID=$UID")}
		r := start(t, ns[0], "unshare", inv)
		if r != (result{c.stdout, c.stderr, c.code}) {
			t.Errorf("env %q, envuidgid %s: %+v, want exit %d %q %q", c.env, c.account, r, c.code, c.stdout, c.stderr)
		}
	}
}

// TestSignalStateAfterNSSLookupAs076: with signals ignored at start, the
// program run after a getent lookup gets the signal dispositions 0.76
// gives it (dtgo_rtsig build). (The mask cannot be set from here: the
// namespace's shell starts with none blocked.)
func TestSignalStateAfterNSSLookupAs076(t *testing.T) {
	ns := nssNamespace(t)
	dir := t.TempDir()
	for _, name := range []string{"setuidgid", "envuidgid"} {
		run := func(prog string) result {
			inv := invocation{dir: dir, args: append(append(append([]string(nil), ns[1:]...), "/bin/sh", "-c", ignoring, "sh", prog, nssUser), dumpArgv...)}
			r := start(t, ns[0], "unshare", inv)
			r.stdout = normalize(r.stdout)
			return r
		}
		c, g := run(oraclePath(t, name)), run(ourPath(name))
		if c != g || g.code != 0 || strings.Contains(g.stdout, "SigIgn: 0000000000000000") {
			t.Errorf("%s %s: C %d %q ours %d %q\n%s", name, nssUser, c.code, c.stderr, g.code, g.stderr, lineDiff(c.stdout, g.stdout))
		}
	}
}
