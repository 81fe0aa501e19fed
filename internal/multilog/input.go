package multilog

import (
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

// wait blocks until fd is readable or a signal came in.
func (s *signals) wait(fd int) {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(s.wakeR), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(pfd, -1)
		if err == nil || err != unix.EINTR {
			break
		}
	}
	if pfd[1].Revents != 0 {
		var b [64]byte
		unix.Read(s.wakeR, b[:])
	}
}

// input is 0.76's flushread(): before each read every directory's output
// is written, a pending SIGALRM rotates every non-empty current, and after
// SIGTERM reading stops at the next line boundary (one byte at a time
// until then, so that nothing after that line is taken from the pipe).
type input struct {
	fd         int
	sig        *signals
	atNewline  bool // the last byte read was a newline (or none was read)
	beforeRead func()
	rotateAll  func()
}

// read returns 0 at EOF, on a read error (as 0.76 does), or after SIGTERM
// at a line boundary.
func (in *input) read(buf []byte) int {
	for {
		in.beforeRead()
		if in.sig.alarm.Swap(false) {
			in.rotateAll()
		}
		if in.sig.term.Load() {
			if in.atNewline {
				return 0
			}
			// Finishing the line: one byte per read, straight into a
			// blocking read (nothing else can change our course now).
			buf = buf[:1]
		} else {
			in.sig.wait(in.fd)
			if in.sig.alarm.Load() || in.sig.term.Load() {
				continue
			}
		}
		n, err := unix.Read(in.fd, buf)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if n <= 0 {
			return 0
		}
		in.atNewline = buf[n-1] == '\n'
		return n
	}
}
