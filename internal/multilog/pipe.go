package multilog

import (
	"golang.org/x/sys/unix"
)

// peeker reads a pipe without taking bytes out of it: tee(2) copies the
// head of stdin into a private pipe, from which they are read. consume
// takes them out of stdin once their output is in the files.
type peeker struct {
	fd       int
	r, w     int    // the private pipe
	carried  int    // bytes at the head of stdin already handled (a line's start)
	scratch  []byte // where consumed bytes go
	dev, ino uint64 // stdin's identity, for the journal
}

// newPeeker returns nil when fd is not a pipe (or tee cannot be set up):
// then stdin is read as 0.76 reads it.
func newPeeker(fd int) *peeker {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return nil
	}
	var p [2]int
	if unix.Pipe2(p[:], unix.O_CLOEXEC) != nil {
		return nil
	}
	unix.FcntlInt(uintptr(p[1]), unix.F_SETPIPE_SZ, 1<<20) // more per tee if allowed
	return &peeker{fd: fd, r: p[0], w: p[1], scratch: make([]byte, readSize), dev: uint64(st.Dev), ino: st.Ino}
}

// peek copies the head of stdin (at most len(buf) bytes) into buf. It
// returns 0 at EOF, -1 when stdin is empty (EAGAIN).
func (p *peeker) peek(buf []byte) int {
	for {
		n, err := unix.Tee(p.fd, p.w, len(buf), unix.SPLICE_F_NONBLOCK)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return -1
		}
		if err != nil || n <= 0 {
			return 0
		}
		got := 0
		for got < int(n) {
			k, err := unix.Read(p.r, buf[got:n])
			if k > 0 {
				got += k
			} else if err != unix.EINTR {
				return 0
			}
		}
		return got
	}
}

// consume takes n bytes (already peeked) out of stdin with one read, so
// that a kill takes either all of them or none.
func (p *peeker) consume(n int) {
	for n > 0 {
		k, err := unix.Read(p.fd, p.scratch[:min(n, len(p.scratch))])
		if k > 0 {
			n -= k
		} else if err != unix.EINTR && err != unix.EAGAIN {
			return
		}
	}
}
