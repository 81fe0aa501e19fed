// Command readproctitle shows its standard input's tail in ps(1) output.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/readproctitle"
	_ "github.com/daemontools-go/daemontools/internal/rlimit" // the entry step: memory limits (internal/rlimit)
)

func main() {
	os.Exit(readproctitle.Main(os.Args, readproctitle.ArgvTail(os.Args), os.Stdin))
}
