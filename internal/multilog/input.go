package multilog

import (
	"bytes"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// signals turns SIGTERM and SIGALRM into flags that the main loop looks at
// only when it is about to read stdin, which is when 0.76 lets them in.
// A self-pipe wakes up a read that is waiting for input.
type signals struct {
	term, alarm atomic.Bool
	wakeR       int
	wakeW       int
}

func newSignals() (*signals, error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, err
	}
	s := &signals{wakeR: fds[0], wakeW: fds[1]}
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGALRM)
	go func() {
		for sig := range ch {
			if sig == syscall.SIGTERM {
				s.term.Store(true)
			} else {
				s.alarm.Store(true)
			}
			unix.Write(s.wakeW, []byte{0})
		}
	}()
	return s, nil
}

// wait blocks until fd is readable or a signal came in, or for at most
// timeout milliseconds (-1: no limit); fd -1 waits for a signal only.
func (s *signals) wait(fd, timeout int) {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(s.wakeR), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(pfd, timeout)
		if err == nil || err != unix.EINTR {
			break
		}
	}
	if pfd[1].Revents != 0 {
		var b [64]byte
		unix.Read(s.wakeR, b[:])
	}
}

// carryMax is how long (ms) an unfinished line stays in stdin when no
// more input comes: a kill meanwhile loses nothing.
const carryMax = 100

func hungUp(fd int) bool {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	unix.Poll(pfd, 0)
	return pfd[0].Revents&unix.POLLHUP != 0
}

// input is 0.76's flushread(): before each read every directory's output
// is written, a pending SIGALRM rotates every non-empty current, and after
// SIGTERM reading stops at the next line boundary: nothing after that line
// is taken from stdin (0.76 reads one byte at a time until then; from a
// pipe we peek and cut the input after the line's newline).
// From a pipe it peeks (pipe.go): the caller consumes what it has written.
type input struct {
	fd         int
	sig        *signals
	atNewline  bool // the last byte read was a newline (or none was read)
	beforeRead func()
	rotateAll  func()
	pipe       *peeker // nil: stdin is not a pipe
	direct     bool    // the last read took its bytes out of stdin
}

// read returns buf[start:end] as the new input: end is 0 at EOF, on a
// read error (as 0.76 does), or after SIGTERM at a line boundary. When
// peeking, buf[:start] is the carried start of a line, still in stdin.
func (in *input) read(buf []byte) (start, end int) {
	idle := 0 // milliseconds waited for more than the carried bytes
	for {
		in.beforeRead()
		if in.sig.alarm.Swap(false) {
			in.rotateAll()
		}
		term := in.sig.term.Load()
		if term && in.atNewline {
			return 0, 0
		}
		in.direct = in.pipe == nil
		switch {
		case in.pipe == nil && term:
			// Finishing the line: one byte per read, straight into a
			// blocking read (nothing else can change our course now).
			buf = buf[:1]
		case in.pipe == nil:
			in.sig.wait(in.fd, -1)
			if in.sig.alarm.Load() || in.sig.term.Load() {
				continue
			}
		case in.pipe.carried > 0:
			// stdin holds the start of a line we have, so it always polls
			// readable: look for more, and if there is none, sleep (a
			// signal wakes us) and look again. If the line stays
			// unfinished, its start is taken out of stdin, as 0.76 does,
			// and we wait as 0.76 waits.
			hup := hungUp(in.fd) // before peeking: no writer can add more then
			if n := in.pipe.peek(buf); n > in.pipe.carried {
				return in.pipe.carried, in.cut(buf, in.pipe.carried, n, term)
			}
			if hup {
				return in.pipe.carried, in.pipe.carried // EOF after a partial line
			}
			if idle >= carryMax {
				in.pipe.consume(in.pipe.carried)
				in.pipe.carried, idle = 0, 0
				continue
			}
			step := min(max(idle, 1), carryMax-idle)
			in.sig.wait(-1, step)
			idle += step
			continue
		case term:
			// Finishing the line: wait for input only (nothing else can
			// change our course now), then take no more than the line.
			pfd := []unix.PollFd{{Fd: int32(in.fd), Events: unix.POLLIN}}
			if _, err := unix.Poll(pfd, -1); err != nil {
				continue
			}
			if end, ok := in.fresh(buf, term); ok {
				return 0, end
			}
			continue
		default:
			in.sig.wait(in.fd, -1)
			if in.sig.alarm.Load() || in.sig.term.Load() {
				continue
			}
			if end, ok := in.fresh(buf, term); ok {
				return 0, end
			}
			continue // nothing after all
		}
		n, err := unix.Read(in.fd, buf)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if n <= 0 {
			return 0, 0
		}
		in.atNewline = buf[n-1] == '\n'
		return 0, n
	}
}

// fresh peeks at stdin, which polled readable: end is 0 at end of input;
// ok is false when it held nothing after all.
func (in *input) fresh(buf []byte, term bool) (end int, ok bool) {
	switch n := in.pipe.peek(buf); {
	case n == 0:
		return 0, true
	case n > 0:
		return in.cut(buf, 0, n, term), true
	}
	return 0, false
}

// cut ends peeked input buf[start:n] after its first newline once SIGTERM
// has come (the rest stays in stdin for the next reader) and notes whether
// it ends a line.
func (in *input) cut(buf []byte, start, n int, term bool) int {
	if term {
		if j := bytes.IndexByte(buf[start:n], '\n'); j >= 0 {
			n = start + j + 1
		}
	}
	in.atNewline = buf[n-1] == '\n'
	return n
}
