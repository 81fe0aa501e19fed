// Command svwait waits until services are up, ready, down or restarted.
//
// The runtime is told not to watch cgroup CPU limits: reading them costs
// start-up time in a program that often runs for a moment.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0
package main

import (
	"os"

	_ "github.com/daemontools-go/daemontools/internal/rlimit" // the entry step: memory limits (internal/rlimit)
	"github.com/daemontools-go/daemontools/internal/svwait"
)

func main() { os.Exit(svwait.Main(os.Args, os.Stderr)) }
