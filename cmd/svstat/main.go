// Command svstat prints the status of services monitored by supervise.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/svstat"
)

func main() { os.Exit(svstat.Main(os.Args, os.Stdout, os.Stderr)) }
