// Command svscanboot starts svscan with its errors shown by readproctitle.
package main

import (
	"os"

	_ "github.com/daemontools-go/daemontools/internal/rlimit" // the entry step: memory limits (internal/rlimit)
	"github.com/daemontools-go/daemontools/internal/svscan"
)

func main() { os.Exit(svscan.Boot(os.Args)) }
