// Command tai64nlocal converts TAI64N labels at the start of lines to
// local time.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/tai64n"
)

func main() { os.Exit(tai64n.Local(os.Args, os.Stdin, os.Stdout)) }
