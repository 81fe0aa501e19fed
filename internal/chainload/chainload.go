// Package chainload owns the small programs that change one piece of
// process state and then run another program in their place, as
// daemontools 0.76's setuidgid, envuidgid, envdir, softlimit, setlock,
// fghack and pgrphack do, and the plumbing they share: the environment
// exactly as it was received, the PATH search of 0.76 and the message
// printed when the program cannot be run.
//
// Go's runtime is kept out of the program run:
//   - no descriptor of Go's is open at the exec, so the program's get
//     0.76's numbers: the main packages tell the runtime not to keep
//     cgroup files open, and leave out the os package, whose start-up may
//     open the poller's (see process.go);
//   - syscall.Exec and ForkExec put back the soft RLIMIT_NOFILE Go raised
//     at start-up;
//   - the environment passed on is the one received, entry for entry
//     (duplicates and entries without '=' included);
//   - signal dispositions and the mask are put back in the dtgo_rtsig
//     build only (see signals.go).
//
// What cannot be put back: a descriptor 0, 1 or 2 closed at start is
// /dev/null in the program run (Go's runtime opens it).
package chainload

import (
	"io"
	"strconv"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/pathexec"
)

// Environ returns the environment the program received (see
// pathexec.Environ). The caller must not modify it.
func Environ() []string { return pathexec.Environ() }

// run execs argv with env, searching for argv[0] along the PATH of the
// environment received (as 0.76 does, even when env has another PATH),
// and returns 111 after printing "PROG: fatal: unable to run NAME: ERR"
// when that fails.
func run(stderr io.Writer, prog string, argv, env []string) int {
	beforeExec()
	err := pathexec.ExecPath(argv[0], pathexec.PathOf(Environ()), argv, env)
	djb.FatalErr(stderr, prog, err, "unable to run ", argv[0])
	return djb.ExitTemp
}

// usage prints "PROG: usage: TEXT" and returns the exit code given.
func usage(stderr io.Writer, prog, text string, code int) int {
	djb.Usage(stderr, prog, text)
	return code
}

// decimal formats an id the way 0.76's fmt_ulong does.
func decimal(n uint64) string { return strconv.FormatUint(n, 10) }
