// Command tai64n puts a TAI64N timestamp at the start of each input line.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/tai64n"
)

func main() { os.Exit(tai64n.Stamp(os.Args, os.Stdin, os.Stdout)) }
