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
	null     int    // /dev/null, where consumed bytes are spliced (or -1)
	scratch  []byte // where they are read otherwise
	dev, ino uint64 // stdin's identity, for the journal
}

const pipeSize = 1 << 20

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
	unix.FcntlInt(uintptr(p[1]), unix.F_SETPIPE_SZ, pipeSize) // more per tee if allowed
	// Bytes stay in stdin until written, where before up to one read's
	// worth had left it: stdin grows by that much (if allowed), so that
	// the writer may stay as far ahead as before.
	if size, err := unix.FcntlInt(uintptr(fd), unix.F_GETPIPE_SZ, 0); err == nil && size < readSize {
		unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, readSize)
	}
	null, err := unix.Open("/dev/null", unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		null = -1
	}
	return &peeker{fd: fd, r: p[0], w: p[1], null: null, scratch: make([]byte, readSize), dev: uint64(st.Dev), ino: st.Ino}
}

// peek copies the head of stdin (at most len(buf) bytes) into buf. It
// returns 0 at EOF, -1 when stdin is empty (EAGAIN).
func (p *peeker) peek(buf []byte) int {
	for {
		n64, err := unix.Tee(p.fd, p.w, len(buf), unix.SPLICE_F_NONBLOCK)
		n := byteCount(n64)
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
		for got < n {
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

// byteCount is the count tee returned: on 32-bit builds x/sys
// makes its int64 from two registers, the second of which is not part of
// the 32-bit ssize_t the kernel returns (seen on armhf: 0x9_00000034 for
// 52 bytes). Counts here are at most len(buf), well within 31 bits.
func byteCount(n int64) int { return int(int32(n)) }

// consume takes n bytes (already peeked) out of stdin with one splice
// to /dev/null (no copy) or one read, so that a kill takes either all of
// them or none.
func (p *peeker) consume(n int) {
	for n > 0 && p.null >= 0 {
		k, err := unix.Splice(p.fd, nil, p.null, nil, n, 0)
		if k > 0 {
			n -= int(k)
		} else if err != unix.EINTR && err != unix.EAGAIN {
			unix.Close(p.null)
			p.null = -1
		}
	}
	for n > 0 {
		k, err := unix.Read(p.fd, p.scratch[:min(n, len(p.scratch))])
		if k > 0 {
			n -= int(k)
		} else if err != unix.EINTR && err != unix.EAGAIN {
			return
		}
	}
}
