// Command svscan starts and monitors a collection of services.

// svscan runs for the life of the system: no cgroup files held open, no
// once-a-second GOMAXPROCS check, so it holds only its own descriptors
// and sleeps when nothing happens.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
package main

import (
	"os"

	_ "github.com/daemontools-go/daemontools/internal/rlimit" // the entry step: memory limits (internal/rlimit)
	"github.com/daemontools-go/daemontools/internal/svscan"
)

func main() { os.Exit(svscan.Main(os.Args, os.Stdin, os.Stdout, os.Stderr)) }
