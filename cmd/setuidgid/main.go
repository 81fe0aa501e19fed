// Command setuidgid is daemontools' setuidgid; see internal/chainload.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/chainload"
)

func main() {
	os.Exit(chainload.Setuidgid(os.Args, os.Stderr))
}
