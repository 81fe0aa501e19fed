//go:build fault

package fault

import (
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The writer is a service (./run execs the test binary with writerVar set
// to the service name) that writes the numbered lines NAME 0, NAME 1, ...
// up to FAULT_QUOTA, one line per write(2), each far below PIPE_BUF, so a
// write to the svscan pipe is atomic: a kill never leaves half a line in
// the pipe.
//
// Its place is kept in FAULT_STATE/state, a fixed-width record rewritten
// in place: "P n" (pending) just before line n is written, "D n+1" (done)
// just after the write returned. A line is ACCEPTED once its "D" record is
// stored. A writer killed between the two records leaves "P n": line n is
// IN DOUBT (it may or may not be in the pipe); the next instance appends n
// to FAULT_STATE/doubt and goes on with n+1, never writing n again. So a
// number is never written twice, and the verifier allows exactly the
// numbers in doubt to be missing.
//
// A flock on FAULT_STATE/lock (taken blocking) keeps two instances from
// writing at once: when a supervise is killed its ./run lives on, orphaned,
// still writing into the svscan pipe, and the new supervise starts a second
// ./run, which waits for the lock. At the quota a writer closes its
// stdout (so that no orphan keeps the pipe open and the loggers see end of
// input at shutdown), releases the lock and sleeps until killed.
func writer() int {
	name := os.Getenv(writerVar)
	dir := os.Getenv("FAULT_STATE")
	quota, err := strconv.Atoi(os.Getenv("FAULT_QUOTA"))
	if err != nil {
		return fail(err)
	}
	lock, err := unix.Open(filepath.Join(dir, "lock"), unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fail(err)
	}
	for {
		if err := unix.Flock(lock, unix.LOCK_EX); err != unix.EINTR {
			break
		}
	}
	state, err := unix.Open(filepath.Join(dir, "state"), unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fail(err)
	}
	next, err := resume(state, dir)
	if err != nil {
		return fail(err)
	}
	for ; next < quota; next++ {
		if err := record(state, 'P', next); err != nil {
			return fail(err)
		}
		if err := writeLine(Line(name, next)); err != nil {
			return fail(err)
		}
		if err := record(state, 'D', next+1); err != nil {
			return fail(err)
		}
	}
	null, _ := unix.Open("/dev/null", unix.O_WRONLY, 0)
	unix.Dup2(null, 1)
	unix.Flock(lock, unix.LOCK_UN)
	for {
		unix.Pause()
	}
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "fault writer:", err)
	return 111
}

// Line is the numbered line n of service name: the name, the number, and a
// checksum of both, so that a damaged line cannot pass for another.
func Line(name string, n int) string {
	head := fmt.Sprintf("%s %09d", name, n)
	return fmt.Sprintf("%s %08x\n", head, crc32.ChecksumIEEE([]byte(head)))
}

// parseLine is the inverse of Line; ok is false for anything else.
func parseLine(name, line string) (n int, ok bool) {
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != name {
		return 0, false
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || Line(name, n) != line+"\n" {
		return 0, false
	}
	return n, true
}

const recordLen = 20 // "P 000000000000000001\n" without the newline: 'P', ' ', 18 digits

func record(fd int, kind byte, n int) error {
	b := fmt.Sprintf("%c %018d", kind, n)
	for {
		_, err := unix.Pwrite(fd, []byte(b), 0)
		if err != unix.EINTR {
			return err
		}
	}
}

// resume reads the state record: the next number to write, after noting a
// number left in doubt by a killed predecessor.
func resume(fd int, dir string) (int, error) {
	b := make([]byte, recordLen)
	n, err := unix.Pread(fd, b, 0)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	v, err := strconv.Atoi(string(b[2:n]))
	if err != nil {
		return 0, fmt.Errorf("bad state %q", b[:n])
	}
	if b[0] == 'D' {
		return v, nil
	}
	f, err := os.OpenFile(filepath.Join(dir, "doubt"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if _, err := fmt.Fprintln(f, v); err != nil {
		return 0, err
	}
	if err := record(fd, 'D', v+1); err != nil {
		return 0, err
	}
	return v + 1, nil
}

func writeLine(s string) error {
	for {
		n, err := unix.Write(1, []byte(s))
		if err == unix.EINTR {
			continue
		}
		if err == nil && n != len(s) {
			return fmt.Errorf("short write %d of %d", n, len(s))
		}
		return err
	}
}
