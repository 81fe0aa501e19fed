// Command pgrphack is daemontools' pgrphack; see internal/chainload.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/chainload"
)

func main() {
	os.Exit(chainload.Pgrphack(os.Args, os.Stderr))
}
