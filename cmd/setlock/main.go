// Command setlock is daemontools' setlock; see internal/chainload.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/chainload"
)

func main() {
	os.Exit(chainload.Setlock(os.Args, os.Stderr))
}
