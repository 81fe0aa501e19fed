// Command multilog reads a sequence of lines from stdin and appends
// selected lines to any number of logs (daemontools 0.76).
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/multilog"
	_ "github.com/daemontools-go/daemontools/internal/rlimit" // the entry step: memory limits (internal/rlimit)
)

func main() {
	os.Exit(multilog.Main(os.Args[1:], os.Stdin, os.Stderr))
}
