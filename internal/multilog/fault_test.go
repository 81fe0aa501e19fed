package multilog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// fastRetry makes our multilog pause 20 ms instead of 5 s (tests only).
const fastRetry = RetryEnv + "=20"

// readLog returns the contents of every finished file (in name order,
// which is time order) and then current.
func readLog(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	for _, n := range logFiles(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// Disk full: multilog warns in 0.76's words, reads no more input while
// paused (the writer is held back), and resumes losing nothing once
// space is freed.
func TestDiskFullPausesAndLosesNothing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("none", mnt, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	// Fill the file system.
	filler, err := os.Create(filepath.Join(mnt, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{'f'}, 4096)
	for {
		if _, err := filler.Write(chunk); err != nil {
			break
		}
	}
	filler.Close()

	p := startPiped(t, testkit.Path("multilog"), mnt, []string{"s4096", "n1000", "./main"}, nil, nil, fastRetry)

	var input bytes.Buffer
	for i := 0; i < 3000; i++ { // well over what the pipe and one read hold
		fmt.Fprintf(&input, "line %05d %s\n", i, strings.Repeat("x", 50))
	}
	writeDone := make(chan error, 1)
	go func() { _, err := p.w.Write(input.Bytes()); writeDone <- err }()

	warning := "multilog: warning: unable to write to ./main/current, pausing: out of disk space\n"
	warnings := func() int {
		return strings.Count(p.stderr(), warning)
	}
	testkit.Eventually(t, 20*time.Second, func() bool { return warnings() >= 1 }, "no disk-full warning")
	// While paused it reads nothing: the pipe stays full and unread
	// across several retries, and the writer stays blocked.
	held := pipeBytes(p.w)
	if held <= 0 {
		t.Fatalf("pipe holds %d bytes while paused", held)
	}
	n := warnings()
	testkit.Eventually(t, 20*time.Second, func() bool { return warnings() >= n+3 }, "no retries")
	if now := pipeBytes(p.w); now != held {
		t.Fatalf("input consumed while paused: %d bytes, then %d", held, now)
	}
	select {
	case err := <-writeDone:
		t.Fatalf("writer not held back (%v)", err)
	default:
	}
	if rest := strings.ReplaceAll(p.stderr(), warning, ""); rest != "" {
		t.Errorf("unexpected stderr %q", rest)
	}

	os.Remove(filepath.Join(mnt, "filler"))
	if err := <-writeDone; err != nil {
		t.Fatal(err)
	}
	p.w.Close()
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got := readLog(t, filepath.Join(mnt, "main")); !bytes.Equal(got, input.Bytes()) {
		t.Fatalf("log differs from input: %d bytes, want %d", len(got), input.Len())
	}
}

func sortStrings(s []string) { sort.Strings(s) }
