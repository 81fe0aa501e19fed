package chainload

import (
	"io"
	"syscall"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/rlimit"
	"golang.org/x/sys/unix"
)

const softlimitUsage = "softlimit [-a allbytes] [-c corebytes] [-d databytes] [-f filebytes] [-l lockbytes] [-m membytes] [-o openfiles] [-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child"

// softlimitResources says which resources each option sets, in 0.76's
// order (-m sets four).
var softlimitResources = map[byte][]int{
	'a': {unix.RLIMIT_AS},
	'c': {unix.RLIMIT_CORE},
	'd': {unix.RLIMIT_DATA},
	'f': {unix.RLIMIT_FSIZE},
	'l': {unix.RLIMIT_MEMLOCK},
	'm': {unix.RLIMIT_DATA, unix.RLIMIT_STACK, unix.RLIMIT_MEMLOCK, unix.RLIMIT_AS},
	'o': {unix.RLIMIT_NOFILE},
	'p': {unix.RLIMIT_NPROC},
	'r': {unix.RLIMIT_RSS},
	's': {unix.RLIMIT_STACK},
	't': {unix.RLIMIT_CPU},
}

// softLimit is one setrlimit to do.
type softLimit struct {
	resource int
	limit    syscall.Rlimit
}

// Softlimit is softlimit: set soft resource limits, in the order the
// options are given, and run child. A value "=" raises the soft limit to
// the hard limit; a number above the hard limit is lowered to it; anything
// else not a decimal number is a usage error (exit 100).
//
// The limits are computed in option order but set together at the exec,
// after the memory limits softlimit started with are put back (see
// internal/rlimit): a Go process needs memory and threads until then,
// which a small -m, -a or -p could otherwise deny it. The result is the
// same, except that a failing setrlimit cannot be reported (0.76's
// "setrlimit failed" needs a limit it cannot set: only a lower hard
// limit, which softlimit never sets, could be refused).
func Softlimit(args []string, stderr io.Writer) int {
	const prog = "softlimit"
	var limits []softLimit
	g := djb.NewGetopt(args, stderr)
	for {
		c := g.Next("a:c:d:f:l:m:o:p:r:s:t:")
		if c == djb.Done {
			break
		}
		resources, known := softlimitResources[byte(c)]
		if !known {
			return usage(stderr, prog, softlimitUsage, 100)
		}
		for _, r := range resources {
			var lim syscall.Rlimit
			if err := syscall.Getrlimit(r, &lim); err != nil {
				djb.FatalErr(stderr, prog, err, "getrlimit failed")
				return djb.ExitTemp
			}
			cur, ok := softValue(g.Arg, lim.Max)
			if !ok {
				return usage(stderr, prog, softlimitUsage, 100)
			}
			lim.Cur = cur
			limits = append(limits, softLimit{r, lim})
		}
	}
	rest := g.Operands()
	if len(rest) == 0 {
		return usage(stderr, prog, softlimitUsage, 100)
	}
	for _, l := range limits {
		rlimit.AtExec(l.resource, l.limit)
	}
	// Without the entry step (see internal/rlimit) they are set now.
	if !rlimit.Entered() {
		if err := rlimit.SetPending(); err != nil {
			djb.FatalErr(stderr, prog, err, "setrlimit failed")
			return djb.ExitTemp
		}
	}
	return run(stderr, prog, rest, Environ())
}

// softValue reads an option's value: "=" is max; otherwise digits read as
// 0.76's scan_ulong reads them (the empty string is 0, overflow wraps),
// capped at max. ok is false when anything but digits is present.
func softValue(arg string, max uint64) (cur uint64, ok bool) {
	if arg == "=" {
		return max, true
	}
	for i := 0; i < len(arg); i++ {
		d := arg[i] - '0'
		if d > 9 {
			return 0, false
		}
		cur = cur*10 + uint64(d)
	}
	return min(cur, max), true
}
