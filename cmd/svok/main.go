// Command svok checks whether supervise is running in a service directory.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/control"
)

func main() { os.Exit(control.Svok(os.Args, os.Stderr)) }
