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
	mnt := smallTmpfs(t)
	// Started before the disk fills, so that its journal (stdin is a
	// pipe) is on disk already; TestNoOutputWithoutJournalOnFullDisk is
	// the start on a full disk.
	p := startPiped(t, testkit.Path("multilog"), mnt, []string{"s4096", "n1000", "./main"}, nil, nil, fastRetry)
	testkit.Eventually(t, 20*time.Second, func() bool { return fileSize(filepath.Join(mnt, "main", journalName)) > 0 }, "no journal")
	// Fill the file system.
	fill(t, mnt)

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

// smallTmpfs mounts a 1 MiB tmpfs for the test (root only).
func smallTmpfs(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("none", mnt, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	return mnt
}

// fill fills the file system at mnt to its last page with mnt/filler.
func fill(t *testing.T, mnt string) {
	t.Helper()
	filler, err := os.Create(filepath.Join(mnt, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer filler.Close()
	for chunk := bytes.Repeat([]byte{'f'}, 4096); ; {
		if _, err := filler.Write(chunk); err != nil {
			return
		}
	}
}

// A multilog that starts on a full disk cannot write its journal. It must
// not write to current until it can: otherwise a kill after some bytes
// went into current (its last page still had room) and before they were
// taken out of the pipe has the next multilog write them a second time.
// (Found by the fault suite: 120 lines twice after a TERM removed the
// journal and the restarted logger met a full disk.)
func TestNoOutputWithoutJournalOnFullDisk(t *testing.T) {
	mnt := smallTmpfs(t)
	var input bytes.Buffer
	line := func(i int) { fmt.Fprintf(&input, "line %05d %s\n", i, strings.Repeat("y", 40)) }
	// A clean first run: current closed (0744), no journal left, and
	// current's last page only partly used.
	line(0)
	first := startPiped(t, testkit.Path("multilog"), mnt, []string{"s99999", "./main"}, nil, nil, fastRetry)
	first.w.Write(input.Bytes())
	first.w.Close()
	if code := first.wait(t); code != 0 {
		t.Fatalf("first run: exit %d, stderr %q", code, first.stderr())
	}
	if _, err := os.Stat(filepath.Join(mnt, "main", journalName)); !os.IsNotExist(err) {
		t.Fatalf("journal left after a clean exit: %v", err)
	}
	fill(t, mnt)

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 1; i < 400; i++ {
		line(i)
	}
	if _, err := w.Write(input.Bytes()[len(line0(input.Bytes())):]); err != nil {
		t.Fatal(err)
	}
	cur := filepath.Join(mnt, "main", "current")
	before := fileSize(cur)
	p := startPiped(t, testkit.Path("multilog"), mnt, []string{"s99999", "./main"}, r, w, fastRetry)
	testkit.Eventually(t, 20*time.Second, func() bool { return strings.Count(p.stderr(), "pausing") >= 3 }, "no pause on the full disk")
	if grown := fileSize(cur) - before; grown != 0 {
		t.Errorf("%d bytes went into current with no journal to say so", grown)
	}
	p.cmd.Process.Kill()
	p.wait(t)

	os.Remove(filepath.Join(mnt, "filler"))
	w.Close()
	last := startPiped(t, testkit.Path("multilog"), mnt, []string{"s99999", "./main"}, r, nil, fastRetry)
	if code := last.wait(t); code != 0 {
		t.Fatalf("last run: exit %d, stderr %q", code, last.stderr())
	}
	if got := readLog(t, filepath.Join(mnt, "main")); !bytes.Equal(got, input.Bytes()) {
		t.Fatalf("log is %d bytes, want the input's %d (lines lost or repeated)", len(got), input.Len())
	}
}

func line0(b []byte) []byte { return b[:bytes.IndexByte(b, '\n')+1] }

func fileSize(name string) int64 {
	st, err := os.Stat(name)
	if err != nil {
		return -1
	}
	return st.Size()
}
