package multilog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// A rotated file finished in the background: while a step fails, the
// goroutine warns and retries (and the main loop, through troubled, waits
// for it as 0.76 would have waited); once the step works, the file is
// fsynced, mode 0744, and named @TAI64N.s.
func TestBackgroundFinishRetriesAndBlocksReading(t *testing.T) {
	dir := t.TempDir()
	prev := filepath.Join(dir, "previous")
	if err := os.WriteFile(prev, []byte("a line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(prev, unix.O_WRONLY|unix.O_APPEND|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	errFile, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	// The directory's descriptor is a free number: every step on it fails
	// (EBADF) until the test puts the directory there.
	badFd := 900
	for ; ; badFd++ { // a number no descriptor of the test process has
		if _, err := unix.FcntlInt(uintptr(badFd), unix.F_GETFD, 0); err == unix.EBADF {
			break
		}
	}
	d := &logDir{DirSpec: DirSpec{Name: "./d", Num: 10}, p: &pauser{stderr: errFile, delay: 10 * time.Millisecond}, fd: badFd}
	d.finishLater(fd)

	testkit.Eventually(t, 10*time.Second, func() bool { return d.bg.retried.Load() }, "no retry flagged")
	waited := make(chan struct{})
	go func() { d.troubled(); close(waited) }()
	time.Sleep(50 * time.Millisecond) // a few retries: troubled must still be waiting
	select {
	case <-waited:
		t.Fatal("troubled returned while the background step still fails")
	default:
	}
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Dup3(dfd, badFd, unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(badFd)
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("troubled still waiting after the step works again")
	}
	b, _ := os.ReadFile(errFile.Name())
	if !strings.Contains(string(b), "multilog: warning: unable to stat ./d/previous, pausing: ") {
		t.Errorf("stderr %q", b)
	}
	names, _ := namesIn(dir)
	if len(names) != 1 || !strings.HasPrefix(names[0], "@") || !strings.HasSuffix(names[0], ".s") {
		t.Fatalf("directory holds %q, want one @TAI64N.s", names)
	}
	st, err := os.Stat(filepath.Join(dir, names[0]))
	if err != nil || st.Mode().Perm() != 0o744 {
		t.Errorf("%s: %v, mode %v", names[0], err, st.Mode())
	}
}
