// Command tai64nlocal converts TAI64N labels at the start of lines to
// local time.
//
// The runtime is told not to watch cgroup CPU limits: reading them costs
// start-up time and a thread, and a single-threaded filter has no use for it.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0
package main

import (
	"os"

	_ "github.com/daemontools-go/daemontools/internal/rlimit" // the entry step: memory limits (internal/rlimit)
	"github.com/daemontools-go/daemontools/internal/tai64n"
)

func main() { os.Exit(tai64n.Local(os.Args, os.Stdin, os.Stdout)) }
