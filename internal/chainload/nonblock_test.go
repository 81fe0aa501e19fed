package chainload_test

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// startNonblocking runs path like start, but with standard output a pipe
// in non-blocking mode (as some parents leave it), which os.StartProcess
// would switch back to blocking.
func startNonblocking(t *testing.T, path, name string, args []string, dir string) result {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if err := unix.SetNonblock(p[1], true); err != nil {
		t.Fatal(err)
	}
	out := os.NewFile(uintptr(p[0]), "out")
	defer out.Close()
	attr := &syscall.ProcAttr{Dir: dir, Env: defaultEnv, Files: []uintptr{0, uintptr(p[1]), 2}}
	pid, err := syscall.ForkExec(path, append([]string{name}, args...), attr)
	unix.Close(p[1])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out)
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
		t.Fatal(err)
	}
	return result{stdout: string(b), code: ws.ExitStatus()}
}

// TestNonblockingStdioOpensNothing: with a non-blocking standard output
// Go's os package would open its poller's descriptors at start-up; these
// programs leave os out, so setlock's lock and fghack's pipe copies get
// 0.76's numbers and the program sees the same descriptors.
func TestNonblockingStdioOpensNothing(t *testing.T) {
	for name, args := range map[string][]string{
		"setlock": {filepath.Join(t.TempDir(), "lock")}, "fghack": nil, "pgrphack": nil,
		"envdir": {t.TempDir()}, "softlimit": {"-o", "="}, "setuidgid": {"root"}, "envuidgid": {"root"},
	} {
		dir := t.TempDir()
		argv := append(append([]string{}, args...), dumpArgv...)
		c := startNonblocking(t, oraclePath(t, name), name, argv, dir)
		g := startNonblocking(t, ourPath(name), name, argv, dir)
		if c.code != 0 || c.code != g.code || normalize(c.stdout) != normalize(g.stdout) {
			t.Errorf("%s: exit C %d ours %d%s", name, c.code, g.code, lineDiff(normalize(c.stdout), normalize(g.stdout)))
		}
	}
}
