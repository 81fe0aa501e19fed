// Command svinfo prints the status of services as JSON, one line each.
//
// The runtime is told not to watch cgroup CPU limits: reading them costs
// start-up time in a program that runs for a moment.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0
package main

import (
	"os"

	_ "github.com/daemontools-go/daemontools/internal/rlimit" // the entry step: memory limits (internal/rlimit)
	"github.com/daemontools-go/daemontools/internal/svinfo"
)

func main() { os.Exit(svinfo.Main(os.Args, os.Stdout, os.Stderr)) }
