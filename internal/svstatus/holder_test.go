package svstatus

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestHolderInReadsProcLocks(t *testing.T) {
	table := []byte("1: POSIX  ADVISORY  WRITE 310 fe:00:10029077 0 EOF\n" +
		"2: FLOCK  ADVISORY  WRITE 322 fe:00:10029047 0 EOF\n" +
		"2: -> FLOCK  ADVISORY  WRITE 400 fe:00:10029048 0 EOF\n" +
		"3: FLOCK  ADVISORY  WRITE -1 103:1a:77 0 EOF\n" +
		"4: FLOCK  ADVISORY  WRITE 500 103:1a:78 0 EOF")
	for _, c := range []struct {
		major, minor uint32
		ino          uint64
		pid          int
	}{
		{0xfe, 0, 10029047, 322},
		{0xfe, 0, 10029077, 310},
		{0xfe, 0, 10029048, 0}, // only a waiter
		{0xfe, 1, 10029047, 0}, // another device
		{0x103, 0x1a, 77, 0},   // a holder in another pid namespace
		{0x103, 0x1a, 78, 500}, // no newline at the end
	} {
		if got := holderIn(table, c.major, c.minor, c.ino); got != c.pid {
			t.Errorf("%x:%x:%d: %d, want %d", c.major, c.minor, c.ino, got, c.pid)
		}
	}
}

func TestLockHolderFindsTheFlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	if pid, err := LockHolder(path); pid != 0 || err != nil {
		t.Fatalf("missing file: %d %v", pid, err)
	}
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if pid, err := LockHolder(path); pid != 0 || err != nil {
		t.Fatalf("unlocked: %d %v", pid, err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if pid, err := LockHolder(path); pid != os.Getpid() || err != nil {
		t.Fatalf("locked: %d %v, want %d", pid, err, os.Getpid())
	}
}

// TestMajorMinorAreUnix: the device number is split as x/sys/unix splits
// it.
func TestMajorMinorAreUnix(t *testing.T) {
	for _, dev := range []uint64{0, 0xfe00, 0x10301a, unix.Mkdev(0x103, 0x1a), unix.Mkdev(0xfffff, 0xfffff), unix.Mkdev(0xffffffff, 0xffffffff), ^uint64(0)} {
		if major(dev) != unix.Major(dev) || minor(dev) != unix.Minor(dev) {
			t.Errorf("%#x: %#x:%#x, unix says %#x:%#x", dev, major(dev), minor(dev), unix.Major(dev), unix.Minor(dev))
		}
	}
}
