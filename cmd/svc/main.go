// Command svc controls services monitored by supervise.
//
// The runtime is told not to watch cgroup CPU limits: reading them costs
// start-up time in a program that runs for a millisecond.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/control"
	_ "github.com/daemontools-go/daemontools/internal/rlimit" // the entry step: memory limits (internal/rlimit)
)

func main() { os.Exit(control.Svc(os.Args, os.Stderr)) }
