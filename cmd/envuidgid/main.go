// Command envuidgid is daemontools' envuidgid; see internal/chainload.
//
// It does not import os (see chainload.Args). The runtime is told not to
// watch cgroup CPU limits, which costs start-up time.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0
package main

import (
	"github.com/daemontools-go/daemontools/internal/chainload"
	_ "github.com/daemontools-go/daemontools/internal/rlimit" // the entry step: memory limits (internal/rlimit)
)

func main() {
	chainload.Exit(chainload.Envuidgid(chainload.Args(), chainload.Stderr))
}
