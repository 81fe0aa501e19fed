// Command softlimit is daemontools' softlimit; see internal/chainload.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/chainload"
)

func main() {
	os.Exit(chainload.Softlimit(os.Args, os.Stderr))
}
