// Command pgrphack is daemontools' pgrphack; see internal/chainload.
//
// The runtime is told not to watch cgroup CPU limits: it would keep two
// descriptors open (shifting the numbers the program run gets, as
// setlock's lock) and cost start-up time.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/chainload"
)

func main() {
	os.Exit(chainload.Pgrphack(os.Args, os.Stderr))
}
