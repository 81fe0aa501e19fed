// Package osfree stands in for os.Args, os.Environ, os.Stdout, os.Stderr
// and os.Exit in the programs that leave package os out: its start-up
// registers a non-blocking standard descriptor with Go's poller (two
// descriptors, epoll and eventfd, opened before the program's own:
// setlock's lock would not get the number 0.76 gives it), costs supervise
// resident memory (three *os.File with their cleanups, a goroutine to run
// them) and costs svok and svstat start-up time (page faults). It imports
// only package syscall, not golang.org/x/sys/unix, which imports package
// time: svok and svstat leave time out too (its start-up costs each a
// tenth of a millisecond).
package osfree

import (
	"syscall"
	"unsafe"
)

//go:linkname runtimeArgs os.runtime_args
func runtimeArgs() []string

//go:linkname runtimeEnvs syscall.runtime_envs
func runtimeEnvs() []string

// Args returns the program's arguments, as os.Args.
func Args() []string { return runtimeArgs() }

// Environ returns the environment as the program got it (duplicates and
// all), without the lookup table package syscall builds from it.
func Environ() []string { return runtimeEnvs() }

// Stderr writes to descriptor 2, unbuffered, as 0.76's strerr does.
var Stderr stderr

type stderr struct{}

func (stderr) Write(b []byte) (int, error) { return writeAll(2, b) }

// Exit ends the process with code, as os.Exit.
func Exit(code int) { syscall.Exit(code) }

// Stdout and StderrAsOS write to descriptors 1 and 2 as os.Stdout and
// os.Stderr do, unbuffered: a descriptor left non-blocking is waited for
// when full, and a write that fails with EPIPE (a reader that went away)
// kills the program with SIGPIPE, as it kills a C program. (Stderr
// returns either error instead, as the chain-loading tools always have.)
var (
	Stdout     = dieOnEPIPE(1)
	StderrAsOS = dieOnEPIPE(2)
)

type dieOnEPIPE int

func (fd dieOnEPIPE) Write(b []byte) (int, error) {
	n := 0
	for {
		m, err := writeAll(int(fd), b[n:])
		n += m
		switch err {
		case syscall.EAGAIN:
			waitWritable(int(fd))
			continue
		case syscall.EPIPE:
			dieOfSIGPIPE()
		}
		return n, err
	}
}

// waitWritable blocks until fd can take more (or has an error to report):
// ppoll(2) with no timeout, as unix.Poll(fds, -1) makes it (poll(2) is
// missing on arm64, riscv64 and loong64).
func waitWritable(fd int) {
	p := pollFd{fd: int32(fd), events: pollOut}
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&p)), 1, 0, 0, 0, 0)
		if e != syscall.EINTR {
			return
		}
	}
}

// pollFd is the kernel's struct pollfd; pollOut is POLLOUT.
type pollFd struct {
	fd              int32
	events, revents int16
}

const pollOut = 0x4

func writeAll(fd int, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := syscall.Write(fd, b[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

// dieOfSIGPIPE is what Go's runtime does for os.Stdout and os.Stderr
// (unless the program ignores SIGPIPE through os/signal): put SIGPIPE
// back to its default, unblock it and send it to this thread, then exit 2
// should it not kill.
func dieOfSIGPIPE() {
	var act [4]uint64 // a kernel sigaction, all zero: SIG_DFL, no flags, empty mask
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGPIPE), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
	set := uint64(1) << (syscall.SIGPIPE - 1)
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 1 /* SIG_UNBLOCK */, uintptr(unsafe.Pointer(&set)), 0, 8, 0, 0)
	syscall.Tgkill(syscall.Getpid(), syscall.Gettid(), syscall.SIGPIPE)
	syscall.Exit(2)
}
