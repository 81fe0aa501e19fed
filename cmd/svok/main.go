// Command svok checks whether supervise is running in a service directory.
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
	"github.com/daemontools-go/daemontools/internal/control"
	"github.com/daemontools-go/daemontools/internal/osfree"
	_ "github.com/daemontools-go/daemontools/internal/rlimit" // the entry step: memory limits (internal/rlimit)
)

func main() { osfree.Exit(control.Svok(osfree.Args(), osfree.StderrAsOS)) }
