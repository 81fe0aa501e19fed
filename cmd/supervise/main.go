// supervise sets GOMAXPROCS to 1 itself, so the runtime need not look at
// the cgroup CPU limit (it would keep cgroup files open and re-read them
// periodically, waking an idle supervise).

//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0

// Command supervise starts and monitors a service, as daemontools 0.76's
// supervise does.
//
// It does not import package os, whose start-up (the three *os.File with
// their cleanups, the goroutine that runs them) costs an idle supervise
// resident memory for nothing: the arguments come from the runtime, the
// environment from the runtime too (as it was given, duplicates and all,
// without the lookup table package syscall would build from it), and
// messages go to descriptor 2.
package main

import (
	"syscall"
	_ "unsafe" // for go:linkname

	"github.com/daemontools-go/daemontools/internal/supervise"
)

// runtimeArgs is what os.Args is made of: the runtime's copy of argv.
//
//go:linkname runtimeArgs os.runtime_args
func runtimeArgs() []string

// runtimeEnvs is a copy of the environment supervise was given.
//
//go:linkname runtimeEnvs syscall.runtime_envs
func runtimeEnvs() []string

// stderr writes to descriptor 2, with no buffering, as 0.76's strerr does.
type stderr struct{}

func (stderr) Write(b []byte) (int, error) {
	for n := 0; n < len(b); {
		k, err := syscall.Write(2, b[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		n += k
	}
	return len(b), nil
}

func main() { syscall.Exit(supervise.Main(runtimeArgs(), runtimeEnvs(), stderr{})) }
