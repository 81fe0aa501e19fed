package chainload

import (
	"io"

	"golang.org/x/sys/unix"
)

// Pgrphack is pgrphack: "pgrphack child...": start a new session and
// process group (setsid; its failure is ignored, as in 0.76, so a process
// group leader simply keeps its group) and run child.
func Pgrphack(args []string, stderr io.Writer) int {
	if len(args) < 2 {
		return usage(stderr, "pgrphack", "pgrphack child", 100)
	}
	unix.Setsid()
	return run(stderr, "pgrphack", args[1:], Environ())
}
