package chainload

import (
	"errors"
	"io"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/envdir"
	"github.com/daemontools-go/daemontools/internal/pathexec"
)

// Envdir is envdir: "envdir dir child...": change the environment as the
// files in dir say (see package envdir) and run child. Its usage error
// exits 111, as 0.76's does.
func Envdir(args []string, stderr io.Writer) int {
	const prog = "envdir"
	if len(args) < 3 {
		return usage(stderr, prog, "envdir dir child", djb.ExitTemp)
	}
	changes, err := envdir.Read(args[1])
	if err != nil {
		var e *envdir.Error
		if errors.As(err, &e) {
			djb.FatalErr(stderr, prog, e.Err, e.What)
		} else {
			djb.FatalErr(stderr, prog, err, "unable to read directory ", args[1])
		}
		return djb.ExitTemp
	}
	return run(stderr, prog, args[2:], mergeEnv(changes))
}

// mergeEnv applies changes to the environment received, in 0.76's order.
func mergeEnv(changes []string) []string {
	return pathexec.Merge(Environ(), changes)
}
