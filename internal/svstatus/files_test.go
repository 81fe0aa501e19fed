package svstatus

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/tai64"
)

// inTempDir runs the test inside a fresh directory, as supervise runs
// inside the service directory.
func inTempDir(t *testing.T) string {
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

func TestWriteReplacesStatusAtomically(t *testing.T) {
	inTempDir(t)
	if err := os.Mkdir(Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	r := Record{When: tai64.N{Sec: tai64.Offset + 1, Nano: 2}, PID: 0x01020304, Paused: true, Want: WantDown}
	if err := Write(r); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(Status)
	enc := r.Encode()
	if err != nil || !bytes.Equal(got, enc[:]) {
		t.Fatalf("status %x %v", got, err)
	}
	if _, err := os.Stat(StatusNew); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("status.new left behind: %v", err)
	}
}

func TestWriteSaysWhichStepFailed(t *testing.T) {
	inTempDir(t)
	var we *WriteError
	if err := Write(Record{}); !errors.As(err, &we) || we.Op != "open" || !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("no supervise/: %v", err)
	}
	os.MkdirAll(Status, 0o700) // a directory where status should go
	if err := Write(Record{}); !errors.As(err, &we) || we.Op != "rename" || !errors.Is(err, syscall.EISDIR) {
		t.Fatalf("status is a directory: %v", err)
	}
}

func TestMakeDirFollowsDanglingSymlink(t *testing.T) {
	dir := inTempDir(t)
	if err := os.Symlink("elsewhere", Dir); err != nil {
		t.Fatal(err)
	}
	if err := MakeDir(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "elsewhere")); err != nil || fi.Mode() != os.ModeDir|0o700&^os.FileMode(umask()) {
		t.Fatalf("target: %v %v", fi, err)
	}
	if err := MakeDir(); err != nil { // exists now: nothing to do
		t.Fatal(err)
	}
}

func umask() int {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return m
}

func TestAcquireLockExcludes(t *testing.T) {
	inTempDir(t)
	os.Mkdir(Dir, 0o700)
	fd, err := AcquireLock()
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if _, err := AcquireLock(); !errors.Is(err, syscall.EWOULDBLOCK) {
		t.Fatalf("second lock: %v", err)
	}
	if fi, _ := os.Stat(Lock); fi.Mode() != 0o600&^os.FileMode(umask()) {
		t.Fatalf("lock mode %v", fi.Mode())
	}
}

// TestRenameat2IsUnixs: renameat2's number is x/sys/unix's on this
// architecture (scripts/emulated-tests.sh checks s390x, arm and 386 too).
func TestRenameat2IsUnixs(t *testing.T) {
	if sysRenameat2() != unix.SYS_RENAMEAT2 {
		t.Fatalf("renameat2 is %d, unix says %d", sysRenameat2(), unix.SYS_RENAMEAT2)
	}
}
