// Command svc controls services monitored by supervise.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/control"
)

func main() { os.Exit(control.Svc(os.Args, os.Stderr)) }
