// Command fghack is daemontools' fghack; see internal/chainload.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/chainload"
)

func main() {
	os.Exit(chainload.Fghack(os.Args, os.Stderr))
}
