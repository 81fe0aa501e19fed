package supervise

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svstatus"
)

// TestRestartPathAllocatesNothing runs supervise's start and reap steps
// in this process: they must not allocate, or a crash-looping service
// would grow supervise's heap until the collector ran.
func TestRestartPathAllocatesNothing(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.Symlink("/bin/true", "run"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(RestartDelayFile, []byte("0\n"), 0o644)
	os.Mkdir(svstatus.Dir, 0o700)
	l, err := newLauncher("sv", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	s := &supervisor{dir: "sv", stderr: os.Stderr, launcher: l, pidfd: -1, want: svstatus.WantUp}
	allocs := testing.AllocsPerRun(20, func() {
		s.start()
		var ws unix.WaitStatus
		if _, err := unix.Wait4(s.pid, &ws, 0, nil); err != nil || ws.ExitStatus() != 0 {
			t.Fatalf("run: %v %v", ws, err)
		}
		s.childGone()
		s.command('c')
	})
	if allocs != 0 {
		t.Errorf("%v allocations per start and exit", allocs)
	}
}
