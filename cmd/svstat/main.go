// Command svstat prints the status of services monitored by supervise.
//
// It does not import os (see internal/osfree), whose start-up costs page
// faults in a program that runs for a millisecond, nor time, whose
// start-up costs a tenth of a millisecond: its packages use package
// syscall, not golang.org/x/sys/unix or io/fs, which import time. The
// runtime is told not to watch cgroup CPU limits.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0
package main

import (
	"github.com/daemontools-go/daemontools/internal/osfree"
	_ "github.com/daemontools-go/daemontools/internal/rlimit" // the entry step: memory limits (internal/rlimit)
	"github.com/daemontools-go/daemontools/internal/svstat"
)

func main() { osfree.Exit(svstat.Main(osfree.Args(), osfree.Stdout, osfree.StderrAsOS)) }
