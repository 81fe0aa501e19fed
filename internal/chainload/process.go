package chainload

import (
	_ "unsafe" // for go:linkname

	"golang.org/x/sys/unix"
)

// These programs leave the os package out. Its start-up registers a
// non-blocking standard descriptor with Go's poller, which opens two
// descriptors (epoll and eventfd) before the program's own: setlock's
// lock would then not get the number 0.76 gives it. Args, Stderr and
// Exit stand in for os.Args, os.Stderr and os.Exit.

//go:linkname runtimeArgs os.runtime_args
func runtimeArgs() []string

// Args returns the program's arguments, as os.Args.
func Args() []string { return runtimeArgs() }

// Stderr writes to descriptor 2.
var Stderr stderr

type stderr struct{}

func (stderr) Write(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := unix.Write(2, b[n:])
		if err == unix.EINTR {
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
func Exit(code int) { unix.Exit(code) }
