// supervise sets GOMAXPROCS to 1 itself, so the runtime need not look at
// the cgroup CPU limit (it would keep cgroup files open and re-read them
// periodically, waking an idle supervise).

//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0

// Command supervise starts and monitors a service, as daemontools 0.76's
// supervise does. It does not import package os (see internal/osfree).
package main

import (
	"github.com/daemontools-go/daemontools/internal/osfree"
	_ "github.com/daemontools-go/daemontools/internal/rlimit" // the entry step: memory limits (internal/rlimit)
	"github.com/daemontools-go/daemontools/internal/supervise"
)

func main() { osfree.Exit(supervise.Main(osfree.Args(), osfree.Environ(), osfree.Stderr)) }
