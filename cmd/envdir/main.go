// Command envdir is daemontools' envdir; see internal/chainload.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/chainload"
)

func main() {
	os.Exit(chainload.Envdir(os.Args, os.Stderr))
}
