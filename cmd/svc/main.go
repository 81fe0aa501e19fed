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

	_ "github.com/daemontools-go/daemontools/internal/rlimit" // the entry step: memory limits (internal/rlimit)
	"github.com/daemontools-go/daemontools/internal/svc"
)

func main() { os.Exit(svc.Main(os.Args, os.Stderr)) }
