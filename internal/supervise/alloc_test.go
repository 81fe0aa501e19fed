package supervise

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/tai64"
	"github.com/daemontools-go/daemontools/internal/testkit"
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
	s := newSupervisor("sv", os.Stderr)
	s.launcher = l
	allocs := testing.AllocsPerRun(20, func() {
		s.start()
		var ws unix.WaitStatus
		if _, err := unix.Wait4(s.pid, &ws, 0, nil); err != nil || ws.ExitStatus() != 0 {
			t.Fatalf("run: %v %v", ws, err)
		}
		s.childGone(ws)
		s.command('c')
	})
	if allocs != 0 {
		t.Errorf("%v allocations per start and exit", allocs)
	}
}

// TestFinishAndBackoffAllocateNothing: the same with a ./finish run
// after each exit, restart-backoff counting the deaths, and a down
// command with down-signal and timeout-kill, the files of the extensions
// read each time.
func TestFinishAndBackoffAllocateNothing(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, name := range []string{"run", "finish"} {
		if err := os.Symlink("/bin/true", name); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range map[string]string{
		RestartDelayFile: "0\n", "restart-backoff": "1 60000 1\n", "down-signal": "HUP\n",
		"timeout-kill": "1000\n", "timeout-finish": "1000\n",
	} {
		os.WriteFile(name, []byte(content), 0o644)
	}
	os.Mkdir(svstatus.Dir, 0o700)
	l, err := newLauncher("sv", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	f, err := l.finishLauncher("sv")
	if err != nil {
		t.Fatal(err)
	}
	s := newSupervisor("sv", os.Stderr)
	s.launcher, s.finisher = l, f
	wait := func(pid int) unix.WaitStatus {
		var ws unix.WaitStatus
		if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil {
			t.Fatalf("wait: %v", err)
		}
		return ws
	}
	allocs := testing.AllocsPerRun(20, func() {
		s.start()
		s.command('d')
		s.want = svstatus.WantUp
		ws := wait(s.pid)
		s.childGone(ws)
		if !s.startFinish(ws) {
			t.Fatal("finish not started")
		}
		s.finishGone(wait(s.finishPid))
	})
	if allocs != 0 {
		t.Errorf("%v allocations per start, down, exit and finish", allocs)
	}
}

// TestReadinessAllocatesNothing: the same with notification-fd: the
// pipe made at each start, the newline read, supervise/state written.
func TestReadinessAllocatesNothing(t *testing.T) {
	t.Chdir(t.TempDir())
	testkit.WriteScript(t, "run", "#!/bin/sh\necho >&3\n")
	os.WriteFile(RestartDelayFile, []byte("0\n"), 0o644)
	os.WriteFile("notification-fd", []byte("3\n"), 0o644)
	os.Mkdir(svstatus.Dir, 0o700)
	l, err := newLauncher("sv", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	s := newSupervisor("sv", os.Stderr)
	s.launcher = l
	allocs := testing.AllocsPerRun(10, func() {
		s.start()
		var ws unix.WaitStatus
		if _, err := unix.Wait4(s.pid, &ws, 0, nil); err != nil || ws.ExitStatus() != 0 {
			t.Fatalf("run: %v %v", ws, err)
		}
		s.readNotification()
		if s.ready == (tai64.N{}) || s.notifyFd >= 0 {
			t.Fatalf("not ready after the newline: %v %d", s.ready, s.notifyFd)
		}
		s.childGone(ws)
		s.writeState()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per start, readiness and exit", allocs)
	}
}

// lastWrite keeps the last message written to it, without allocating.
type lastWrite struct {
	buf [512]byte
	n   int
}

func (w *lastWrite) Write(b []byte) (int, error) {
	w.n = copy(w.buf[:], b)
	return len(b), nil
}

// TestFailedStatusWriteWarnsWithoutAllocating: the warning about a status
// that cannot be written (here: a directory in the way of status.new)
// must not allocate, or every restart of a crash-looping service would
// leave garbage. The one allocation left is the error value
// svstatus.Write returns. The words must be djb.WarnErr's.
func TestFailedStatusWriteWarnsWithoutAllocating(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.MkdirAll(svstatus.StatusNew, 0o700); err != nil {
		t.Fatal(err)
	}
	w := new(lastWrite)
	s := newSupervisor("sv", w)
	if allocs := testing.AllocsPerRun(20, s.announce); allocs > 1 {
		t.Errorf("%v allocations per failed status write", allocs)
	}
	var want strings.Builder
	djb.WarnErr(&want, prog, unix.EISDIR, "unable to open sv/", svstatus.StatusNew)
	if got := string(w.buf[:w.n]); got != want.String() {
		t.Errorf("warning %q, want %q", got, want.String())
	}
}
