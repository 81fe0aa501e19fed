package chainload

import (
	"io"

	"github.com/daemontools-go/daemontools/internal/djb"
	"golang.org/x/sys/unix"
)

const setlockUsage = "setlock [ -nNxX ] file program [ arg ... ]"

// Setlock is setlock: "setlock [ -nNxX ] file program [ arg ... ]": open
// file for appending (created mode 0600, never truncated), take an
// exclusive flock on it, waiting (-N, default) or not (-n), and run
// program with the locked descriptor left open and not close-on-exec, so
// program and its children hold the lock. -x exits 0 silently when the
// file cannot be opened or locked; -X (default) complains. For each pair
// the last option given wins.
func Setlock(args []string, stderr io.Writer) int {
	const prog = "setlock"
	nodelay, quiet := false, false
	g := djb.NewGetopt(args, stderr)
	for {
		c := g.Next("nNxX")
		if c == djb.Done {
			break
		}
		switch c {
		case 'n':
			nodelay = true
		case 'N':
			nodelay = false
		case 'x':
			quiet = true
		case 'X':
			quiet = false
		default:
			return usage(stderr, prog, setlockUsage, 100)
		}
	}
	rest := g.Operands()
	if len(rest) < 2 {
		return usage(stderr, prog, setlockUsage, 100)
	}
	file := rest[0]
	fd, err := unix.Open(file, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_APPEND|unix.O_CREAT, 0o600)
	if err != nil {
		if quiet {
			return 0
		}
		djb.FatalErr(stderr, prog, err, "unable to open ", file)
		return djb.ExitTemp
	}
	if err := lock(fd, nodelay); err != nil {
		if quiet {
			return 0
		}
		djb.FatalErr(stderr, prog, err, "unable to lock ", file)
		return djb.ExitTemp
	}
	return run(stderr, prog, rest[1:], Environ())
}

// lock takes 0.76's flock(2) exclusive lock, which C and Go setlock
// processes (and multilog, svscan) all honour.
func lock(fd int, nodelay bool) error {
	how := unix.LOCK_EX
	if nodelay {
		how |= unix.LOCK_NB
	}
	for {
		err := unix.Flock(fd, how)
		if err != unix.EINTR {
			return err
		}
	}
}
