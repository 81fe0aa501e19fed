package multilog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/tai64"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// A rotated file finished in the background: while a step fails, the
// goroutine warns and retries (and the main loop, through troubled, waits
// for it as 0.76 would have waited); once the step works, the file is
// fsynced, mode 0744, and renamed from @TAI64N.u to @TAI64N.s.
func TestBackgroundFinishRetriesAndBlocksReading(t *testing.T) {
	dir := t.TempDir()
	label := []byte("@400000006b063e96070a19e4")
	prev := filepath.Join(dir, string(label)+".u")
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
	d.finishLater(fd, label, 7)

	testkit.Eventually(t, 10*time.Second, func() bool { return d.bg.flight[0].retried.Load() }, "no retry flagged")
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
	if !strings.Contains(string(b), "multilog: warning: unable to rename @400000006b063e96070a19e4.u to @400000006b063e96070a19e4.s in directory ./d, pausing: ") {
		t.Errorf("stderr %q", b)
	}
	names, _ := namesIn(dir)
	if len(names) != 1 || names[0] != string(label)+".s" {
		t.Fatalf("directory holds %q, want %s.s", names, label)
	}
	st, err := os.Stat(filepath.Join(dir, names[0]))
	if err != nil || st.Mode().Perm() != 0o744 {
		t.Errorf("%s: %v, mode %v", names[0], err, st.Mode())
	}
}

// Rotation labels always increase, even when the clock is behind the last
// one (it was set back, or two rotations came within its resolution): the
// names then still sort in the order of their lines.
func TestRotationLabelsIncrease(t *testing.T) {
	d := &logDir{}
	ahead := tai64.Now().Sec + 3600 // an hour ahead of the clock
	d.bg.last = tai64.N{Sec: ahead, Nano: 999_999_999}
	got := []tai64.N{d.nextLabel(), d.nextLabel()}
	want := []tai64.N{{Sec: ahead + 1, Nano: 0}, {Sec: ahead + 1, Nano: 1}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("label %d: %s, want %s", i, got[i].Label(), want[i].Label())
		}
	}
	if now := d.nextLabel(); now.Label() <= want[1].Label() {
		t.Errorf("third label %s does not sort after %s", now.Label(), want[1].Label())
	}
}

// A rotation goes to the background beside others only while they are
// fewer than four and hold no more than 1 MiB with it; otherwise it waits
// for the oldest.
func TestRotationsInFlightAreBounded(t *testing.T) {
	pending := func(sizes ...uint64) *logDir {
		d := &logDir{}
		for _, n := range sizes {
			d.bg.flight = append(d.bg.flight, &rotated{size: n, done: make(chan struct{})})
		}
		return d
	}
	returns := func(d *logDir, size uint64) bool {
		ret := make(chan struct{})
		go func() { d.waitSlot(size); close(ret) }()
		select {
		case <-ret:
			return true
		case <-time.After(100 * time.Millisecond):
			for _, r := range d.bg.flight {
				close(r.done) // let it end
			}
			<-ret
			return false
		}
	}
	for _, c := range []struct {
		flight []uint64
		size   uint64
		wait   bool
	}{
		{nil, 16 << 20, false},                          // nothing in flight: always
		{[]uint64{99999, 99999, 99999}, 99999, false},   // a fourth small file
		{[]uint64{99999, 99999, 99999, 99999}, 1, true}, // a fifth
		{[]uint64{900 << 10}, 200 << 10, true},          // over 1 MiB together
		{[]uint64{16 << 20}, 100, true},                 // a big file syncs alone
	} {
		if got := !returns(pending(c.flight...), c.size); got != c.wait {
			t.Errorf("in flight %v, rotating %d bytes: waited %v, want %v", c.flight, c.size, got, c.wait)
		}
	}
}
