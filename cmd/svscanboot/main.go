// Command svscanboot starts svscan with its errors shown by readproctitle.
package main

import (
	"os"

	"github.com/daemontools-go/daemontools/internal/svscan"
)

func main() { os.Exit(svscan.Boot(os.Args)) }
