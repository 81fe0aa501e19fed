// Package osfree stands in for os.Args, os.Environ, os.Stderr and os.Exit
// in the programs that leave package os out: its start-up registers a
// non-blocking standard descriptor with Go's poller (two descriptors,
// epoll and eventfd, opened before the program's own: setlock's lock would
// not get the number 0.76 gives it) and costs supervise resident memory
// (three *os.File with their cleanups, a goroutine to run them).
package osfree

import (
	"syscall"
	_ "unsafe" // for go:linkname
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

func (stderr) Write(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := syscall.Write(2, b[n:])
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

// Exit ends the process with code, as os.Exit.
func Exit(code int) { syscall.Exit(code) }
