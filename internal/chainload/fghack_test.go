package chainload_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// TestFghackExitCodes: the child's exit code is passed through; a child
// killed by a signal gives "fghack: fatal: child crashed" and 111; a
// program that cannot be run gives 0.76's message and 111.
func TestFghackExitCodes(t *testing.T) {
	for _, args := range [][]string{
		{"/bin/sh", "-c", "exit 7"},
		{"/bin/sh", "-c", "exit 0"},
		{"/bin/sh", "-c", "kill -9 $$"},
		{"/bin/sh", "-c", "kill -TERM $$"},
		{"/nonexistent/program"},
		{"no-such-program-anywhere"},
	} {
		same(t, "fghack", withArgs(args...))
	}
}

// TestFghackWaitsForBackgroundChildren: a program that leaves a child in
// the background holding the pipe (even after closing descriptors 0-9)
// keeps fghack waiting until that child exits.
func TestFghackWaitsForBackgroundChildren(t *testing.T) {
	for _, build := range []string{oraclePath(t, "fghack"), ourPath("fghack")} {
		dir := t.TempDir()
		fifo := filepath.Join(dir, "fifo")
		started := filepath.Join(dir, "started")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		script := `exec 0<&- 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; (cat "$1" > /dev/null) & : > "$2"; exit 3`
		cmd := exec.Command(build, "/bin/sh", "-c", script, "sh", fifo, started)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		testkit.Eventually(t, 10*time.Second, func() bool { _, err := os.Stat(started); return err == nil }, "child not started")
		select {
		case err := <-waited:
			t.Fatalf("%s exited (%v) while a background child held the pipe", build, err)
		case <-time.After(200 * time.Millisecond):
		}
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		err = <-waited
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			t.Errorf("%s: %v, want exit 3", build, err)
		}
	}
}

// TestFghackDescriptorLayoutWithInheritedFd: with a descriptor already
// open at 3, 0.76's pipe lands at 4 and 5 and the 30 copies fill the
// lowest free numbers; ours leaves the child the same layout.
func TestFghackDescriptorLayoutWithInheritedFd(t *testing.T) {
	extra, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	run := func(path string) result {
		return startFiles(t, path, "fghack", dumpAfter(), []*os.File{extra, nil, extra})
	}
	c, g := run(oraclePath(t, "fghack")), run(ourPath("fghack"))
	if c.code != 0 || normalize(c.stdout) != normalize(g.stdout) {
		t.Errorf("fd layout differs:%s", lineDiff(normalize(c.stdout), normalize(g.stdout)))
	}
}
