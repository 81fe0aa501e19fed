// Package tai64n holds the tai64n and tai64nlocal programs: filters that
// add TAI64N labels to lines and turn them into local time. The label
// format itself belongs to internal/tai64; the local-time form (zone and
// calendar, localtime.go) is here, since it needs package time, which
// internal/tai64 leaves out.
//
// Both filters read and write in big blocks and flush their output only
// when the input has nothing more to give at once, so a pipeline sees each
// line as soon as its writer pauses, while a bulk copy makes one write per
// block instead of one per line. 0.76 flushes before every read(2) of 1024
// bytes, which gives the same interactive behaviour.
package tai64n

import (
	"errors"
	"io"
	"syscall"

	"golang.org/x/sys/unix"
)

const blockSize = 128 << 10

// errWrite marks an output failure.
var errWrite = errors.New("write error")

// output buffers bytes for a descriptor or a writer.
type output struct {
	fd  int // -1: use w
	w   io.Writer
	buf []byte
}

func newOutput(w io.Writer) *output {
	return &output{fd: fdOf(w), w: w, buf: make([]byte, 0, 2*blockSize)}
}

// full reports whether the buffer should be written out before more is
// added, keeping writes block-sized.
func (o *output) full() bool { return len(o.buf) >= blockSize }

func (o *output) flush() error {
	b := o.buf
	for len(b) > 0 {
		n, err := o.write(b)
		if err != nil {
			return errWrite
		}
		b = b[n:]
	}
	o.buf = o.buf[:0]
	return nil
}

func (o *output) write(b []byte) (int, error) {
	if o.fd < 0 {
		return o.w.Write(b)
	}
	for {
		n, err := unix.Write(o.fd, b)
		switch err {
		case nil:
			return n, nil
		case unix.EINTR:
		case unix.EAGAIN: // a non-blocking descriptor we inherited
			waitFor(o.fd, unix.POLLOUT)
		default:
			return 0, err
		}
	}
}

// input reads blocks from a descriptor or a reader, flushing out first
// whenever the read would wait.
type input struct {
	fd  int // -1: use r
	r   io.Reader
	out *output
}

func newInput(r io.Reader, out *output) *input {
	return &input{fd: fdOf(r), r: r, out: out}
}

// read fills p; io.EOF at end of input; errWrite if the flush failed.
func (in *input) read(p []byte) (int, error) {
	if !in.ready() {
		if err := in.out.flush(); err != nil {
			return 0, err
		}
	}
	if in.fd < 0 {
		n, err := in.r.Read(p)
		if n > 0 {
			return n, nil // an error with data comes back on the next read
		}
		return 0, err
	}
	for {
		n, err := unix.Read(in.fd, p)
		switch {
		case err == unix.EINTR:
		case err == unix.EAGAIN: // a non-blocking descriptor we inherited
			if err := in.out.flush(); err != nil {
				return 0, err
			}
			waitFor(in.fd, unix.POLLIN)
		case err != nil:
			return 0, err
		case n == 0:
			return 0, io.EOF
		default:
			return n, nil
		}
	}
}

// ready reports whether a read would return at once. Without a
// descriptor to ask, it says no, so the output is flushed before every
// read as in 0.76.
func (in *input) ready() bool {
	if in.fd < 0 {
		return false
	}
	fds := []unix.PollFd{{Fd: int32(in.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0
}

func waitFor(fd int, events int16) {
	fds := []unix.PollFd{{Fd: int32(fd), Events: events}}
	for {
		if _, err := unix.Poll(fds, -1); err != unix.EINTR {
			return
		}
	}
}

// fdOf returns the descriptor under an *os.File (or anything with a
// SyscallConn) without switching it to blocking mode, or -1.
func fdOf(x any) int {
	sc, ok := x.(syscall.Conn)
	if !ok {
		return -1
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if rc.Control(func(f uintptr) { fd = int(f) }) != nil {
		return -1
	}
	return fd
}
