//go:build fault

package fault

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

const nobody = 65534

func needRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// runAs runs argv with the given credentials and returns its result.
func runAs(t *testing.T, cred *syscall.Credential, argv ...string) result {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = cleanEnv
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: []byte(out.String()), stderr: []byte(errb.String())}
	r.code = testkit.ExitCode(t, err)
	return r
}

// openTree makes the temporary directories above dir searchable by
// everybody (t.TempDir makes them 0700), so that only the supervise/
// directory and its FIFOs stand between nobody and the service.
func openTree(t *testing.T, dir string) {
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// startSupervise runs a supervise (ours or C) on a sleeping service under
// the umask and waits until the service runs. Its stderr goes to a
// *bytes.Buffer in cmd.Stderr.
func startSupervise(t *testing.T, bin, dir string, umask int) *exec.Cmd {
	t.Helper()
	mkdirs(t, dir)
	testkit.WriteScript(t, filepath.Join(dir, "run"), "#!/bin/sh\nexec sleep 100000\n")
	writeFile(t, filepath.Join(dir, "restart-delay"), "0\n") // ours only; C ignores it
	cmd := exec.Command("/bin/sh", "-c", fmt.Sprintf("umask %03o; exec %s %s", umask, bin, dir))
	cmd.Stderr = new(bytes.Buffer)
	// A service left behind keeps the stderr pipe open: do not wait on it.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		testkit.KillAll(t, []string{dir}, cmd.Process.Pid)
		cmd.Wait()
	})
	testkit.Eventually(t, 20*time.Second, func() bool { return statusPid(dir) != 0 }, "%s: service not up", bin)
	return cmd
}

// TestNobodyCannotControlRootSupervise: as nobody, svc, svok and svstat
// (ours and C) against a root supervise (ours and C), with supervise/ as
// supervise makes it (0700) and opened up to 0755 (the FIFOs are still
// 0600): warnings or errors exactly as C words them, and the service
// keeps running with the same pid.
func TestNobodyCannotControlRootSupervise(t *testing.T) {
	needRoot(t)
	nob := &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{}}
	for _, sup := range []string{testkit.Path("supervise"), testkit.Oracle(t, "supervise")} {
		for _, dirMode := range []os.FileMode{0o700, 0o755} {
			dir := filepath.Join(t.TempDir(), "svc")
			startSupervise(t, sup, dir, 0o022)
			openTree(t, dir)
			if err := os.Chmod(filepath.Join(dir, svstatus.Dir), dirMode); err != nil {
				t.Fatal(err)
			}
			pid := statusPid(dir)
			for _, argv := range [][]string{{"svc", "-k", dir}, {"svc", "-dx", dir}, {"svok", dir}, {"svstat", dir}} {
				g := runAs(t, nob, append([]string{testkit.Path(argv[0])}, argv[1:]...)...)
				c := runAs(t, nob, append([]string{testkit.Oracle(t, argv[0])}, argv[1:]...)...)
				noPanic(t, argv[0], g.stderr)
				if !c.same(g) {
					t.Errorf("%s, supervise/ %o, nobody runs %v: C exit %d %q %q, ours exit %d %q %q", sup, dirMode, argv,
						c.code, c.stdout, c.stderr, g.code, g.stdout, g.stderr)
				}
				if argv[0] == "svc" && !strings.Contains(string(g.stderr), "unable to control "+dir+": access denied") {
					t.Errorf("svc as nobody: stderr %q, want access denied", g.stderr)
				}
			}
			if got := statusPid(dir); got != pid || syscall.Kill(pid, 0) != nil {
				t.Errorf("%s: service pid %d became %d after nobody's svc", sup, pid, got)
			}
		}
	}
	report(t, "nobody: svc warns 'access denied', svok/svstat as C, service untouched (our and C supervise, supervise/ 0700 and 0755)")
}

// TestSetuidgidLeavesNoSupplementaryGroup starts setuidgid (ours and C)
// as root with supplementary groups 4, 24 and 27: the program it runs has
// exactly nobody's uid and gid and only nogroup as its group list.
func TestSetuidgidLeavesNoSupplementaryGroup(t *testing.T) {
	needRoot(t)
	rootWithGroups := &syscall.Credential{Uid: 0, Gid: 0, Groups: []uint32{4, 24, 27}}
	ids := func(status []byte) string {
		var keep []string
		for _, l := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(l, "Uid:") || strings.HasPrefix(l, "Gid:") || strings.HasPrefix(l, "Groups:") {
				keep = append(keep, strings.Join(strings.Fields(l), " "))
			}
		}
		return strings.Join(keep, "; ")
	}
	want := "Uid: 65534 65534 65534 65534; Gid: 65534 65534 65534 65534; Groups: 65534"
	for _, bin := range []string{testkit.Path("setuidgid"), testkit.Oracle(t, "setuidgid")} {
		r := runAs(t, rootWithGroups, bin, "nobody", "/bin/cat", "/proc/self/status")
		noPanic(t, "setuidgid", r.stderr)
		if got := ids(r.stdout); r.code != 0 || got != want {
			t.Errorf("%s nobody: exit %d, %q, want %q (stderr %q)", bin, r.code, got, want, r.stderr)
		}
	}
	report(t, "setuidgid nobody from root with groups 4,24,27: %s (ours and C)", want)
}

// modes lists path: mode for the given paths (globs) below dir.
func modes(t *testing.T, dir string, globs ...string) string {
	var out []string
	for _, g := range globs {
		ms, _ := filepath.Glob(filepath.Join(dir, g))
		if len(ms) == 0 {
			out = append(out, g+": missing")
		}
		for _, m := range ms {
			fi, err := os.Lstat(m)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s: %v", g, fi.Mode()))
		}
	}
	return strings.Join(out, ", ")
}

// umaskOf reads a process's umask from /proc.
func umaskOf(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Umask:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// TestFileModesWhateverTheUmask runs multilog and supervise, ours and C,
// under umask 077, 000 and 022: the modes of everything they create, and
// the umask the service inherits, are the same for both builds. multilog
// sets umask 022 itself, so its modes never change; 0.76 supervise does
// not set one, so its files and its service follow the caller's.
func TestFileModesWhateverTheUmask(t *testing.T) {
	input := strings.Repeat("a line of forty bytes, more or less....\n", 200)
	for _, umask := range []int{0o077, 0o000, 0o022} {
		var got [2]string
		for i, bin := range []string{testkit.Path("multilog"), testkit.Oracle(t, "multilog")} {
			dir := t.TempDir()
			cmd := exec.Command("/bin/sh", "-c", fmt.Sprintf("umask %03o; exec %s s4096 =st ./d", umask, bin))
			cmd.Dir, cmd.Stdin = dir, strings.NewReader(input)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v %s", bin, err, out)
			}
			got[i] = modes(t, dir, "d", "d/lock", "d/current", "d/state", "d/@*.s", "st")
		}
		if got[0] != got[1] {
			t.Errorf("multilog under umask %03o:\nours %s\nC    %s", umask, got[0], got[1])
		}
		report(t, "multilog, umask %03o: %s (ours = C: %v)", umask, got[0], got[0] == got[1])

		for i, bin := range []string{testkit.Path("supervise"), testkit.Oracle(t, "supervise")} {
			dir := filepath.Join(t.TempDir(), "svc")
			startSupervise(t, bin, dir, umask)
			got[i] = modes(t, dir, "supervise", "supervise/lock", "supervise/control", "supervise/ok", "supervise/status") +
				", service umask " + umaskOf(statusPid(dir))
		}
		if got[0] != got[1] {
			t.Errorf("supervise under umask %03o:\nours %s\nC    %s", umask, got[0], got[1])
		}
		report(t, "supervise, umask %03o: %s (ours = C: %v)", umask, got[0], got[0] == got[1])
	}
}
