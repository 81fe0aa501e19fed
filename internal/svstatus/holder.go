package svstatus

import (
	"bytes"
	"strconv"
	"syscall"
)

// LocksFile is the kernel's table of file locks.
const LocksFile = "/proc/locks"

// HolderError says which step of LockHolder failed, on which file.
type HolderError struct {
	Op, Path string
	Err      error
}

func (e *HolderError) Error() string { return e.Op + " " + e.Path + ": " + e.Err.Error() }
func (e *HolderError) Unwrap() error { return e.Err }

// LockHolder returns the pid of the process holding the lock file at path
// (a service's supervise/lock: the running supervise, C or ours, flocks
// it for as long as it runs), or 0 when nobody holds it or the file does
// not exist. It only reads: it looks the lock up in /proc/locks by device
// and inode, so it never takes the lock, not even for a moment (a
// supervise starting at that moment would find it taken and exit). It
// uses raw system calls, not package os, which svok and svstat do without.
func LockHolder(path string) (int, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		if err == syscall.ENOENT || err == syscall.ENOTDIR {
			return 0, nil
		}
		return 0, &HolderError{"stat", path, err}
	}
	table, err := readAll(LocksFile)
	if err != nil {
		return 0, &HolderError{"read", LocksFile, err}
	}
	return holderIn(table, major(uint64(st.Dev)), minor(uint64(st.Dev)), uint64(st.Ino)), nil // Dev is 32-bit on mips64
}

// major and minor split a device number as the kernel encodes it (as
// unix.Major and unix.Minor do: package syscall has neither).
func major(dev uint64) uint32 {
	return uint32((dev&0x00000000000fff00)>>8) | uint32((dev&0xfffff00000000000)>>32)
}

func minor(dev uint64) uint32 {
	return uint32(dev&0x00000000000000ff) | uint32((dev&0x00000ffffff00000)>>12)
}

func readAll(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	b := make([]byte, 0, 4096)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := syscall.Read(fd, b[len(b):cap(b)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
	}
}

// holderIn scans a /proc/locks text for a lock held on the file with that
// device and inode. A line reads
//
//	7: FLOCK  ADVISORY  WRITE 32226 fe:00:10029047 0 EOF
//
// (device numbers in hex). A waiter's line has "->" after the number and
// is skipped: a waiter does not hold the lock. So is a holder whose pid is
// not visible here (another pid namespace shows -1 or 0).
func holderIn(table []byte, major, minor uint32, ino uint64) int {
	for len(table) > 0 {
		line := table
		if i := bytes.IndexByte(table, '\n'); i >= 0 {
			line, table = table[:i], table[i+1:]
		} else {
			table = nil
		}
		fields := bytes.Fields(line)
		if len(fields) < 6 || string(fields[1]) == "->" {
			continue
		}
		id := bytes.Split(fields[5], []byte{':'})
		if len(id) != 3 {
			continue
		}
		maj, err1 := strconv.ParseUint(string(id[0]), 16, 32)
		mnr, err2 := strconv.ParseUint(string(id[1]), 16, 32)
		i, err3 := strconv.ParseUint(string(id[2]), 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || uint32(maj) != major || uint32(mnr) != minor || i != ino {
			continue
		}
		if pid, err := strconv.Atoi(string(fields[4])); err == nil && pid > 0 {
			return pid
		}
	}
	return 0
}
