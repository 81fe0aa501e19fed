// Command envuidgid is daemontools' envuidgid; see internal/chainload.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/chainload"
)

func main() {
	os.Exit(chainload.Envuidgid(os.Args, os.Stderr))
}
