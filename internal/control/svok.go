package control

import (
	"errors"
	"io"
	"syscall"

	"github.com/daemontools-go/daemontools/internal/djb"
)

// Svok is the svok program: exit 0 when a supervise is running in the
// directory named by the first argument, 100 when none is (or the ok FIFO
// is missing), 111 on any other trouble. Further arguments are ignored
// and options are not parsed, as in 0.76.
func Svok(args []string, stderr io.Writer) int {
	if len(args) < 2 {
		djb.Usage(stderr, "svok", "svok dir")
		return djb.ExitUsage
	}
	dir := args[1]
	if err := Enter(dir); err != nil {
		djb.FatalErr(stderr, "svok", err, "unable to chdir to ", dir)
		return djb.ExitTemp
	}
	err := Running()
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrNotRunning), djb.Errno(err) == syscall.ENOENT:
		return djb.ExitUsage
	}
	djb.FatalErr(stderr, "svok", err, "unable to open ", dir, "/supervise/ok")
	return djb.ExitTemp
}
