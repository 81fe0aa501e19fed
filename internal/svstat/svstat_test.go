package svstat

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/tai64"
)

// at is the moment Unix seconds sec and nano nanoseconds.
func at(sec int64, nano uint32) tai64.N { return tai64.N{Sec: uint64(sec) + tai64.Offset, Nano: nano} }

func TestSvstatOneSecondsPlural(t *testing.T) {
	now := at(1_800_000_000, 900_000_000)
	rec := svstatus.Record{When: at(1_800_000_000-1, 400_000_000), Want: 'u'} // 1.5 seconds before
	if got := Format(rec, true, now); got != "down 1 seconds, normally up, want up" {
		t.Errorf("got %q", got)
	}
}

func TestSvstatFutureStampIsZeroSeconds(t *testing.T) {
	now := at(1_800_000_000, 0)
	rec := svstatus.Record{When: at(1_800_000_000+3600, 0), PID: 12, Paused: true, Want: 'd'}
	if got := Format(rec, false, now); got != "up (pid 12) 0 seconds, normally down, paused, want down" {
		t.Errorf("got %q", got)
	}
}

func TestSvstatOnlySecondsCount(t *testing.T) {
	now := at(1_800_000_000, 100)
	rec := svstatus.Record{When: at(1_800_000_000-7, 999_999_999), PID: 1, Want: 'u'}
	if got := Format(rec, true, now); got != "up (pid 1) 7 seconds" {
		t.Errorf("got %q", got)
	}
}

// TestSvstatAgePast2038: a status written after 2038 (and after 2106)
// shows its age right on every build, 32-bit ones included.
func TestSvstatAgePast2038(t *testing.T) {
	for _, sec := range []int64{1<<31 + 100, 1<<32 + 100} {
		now := at(sec, 0)
		rec := svstatus.Record{When: at(sec-100, 0), PID: 9, Want: 'u'}
		if got := Format(rec, true, now); got != "up (pid 9) 100 seconds" {
			t.Errorf("%d: got %q", sec, got)
		}
	}
}

// TestSvstatStatusReadErrorIsReported is a deliberate difference: 0.76
// compares read(2)'s -1 with an unsigned size, misses the error and prints
// whatever the status buffer held before; we print the error.
func TestSvstatStatusReadErrorIsReported(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "s", svstatus.Status), 0o755); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(dir, "s", svstatus.OK)
	if err := syscall.Mkfifo(ok, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(ok, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Chdir(dir)
	if got := Line("s", tai64.Now()); got != "s: unable to read supervise/status: is a directory" {
		t.Errorf("got %q", got)
	}
}
