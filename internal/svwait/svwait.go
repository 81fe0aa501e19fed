// Package svwait is the svwait program: it blocks until services named by
// their directories are up, ready, down, finished or restarted, with
// s6-svwait's options and exit codes. It never polls: it sleeps in poll(2)
// on one inotify descriptor, which sees supervise rename its status files
// into place (and supervise/ appear), and on a pidfd per running supervise,
// which becomes readable when that supervise dies. service.go reads a
// service's state; watch.go keeps the descriptors.
package svwait

import (
	"io"
	"strconv"
	"time"

	"github.com/daemontools-go/daemontools/internal/djb"
)

const prog = "svwait"

const usageText = "svwait [ -U | -u | -d | -D | -r | -R ] [ -a | -o ] [ -t timeout ] dir ..."

// Exit codes beyond djb's: s6-svwait's.
const (
	ExitTimeout = 99
	// maxDied caps the exit code that counts services whose supervise
	// died, below ExitTimeout (s6-svwait exits with the bare count).
	maxDied = 98
)

// A goal is what the options ask of each service.
type goal int

const (
	goalUp           goal = iota // -u
	goalReady                    // -U
	goalDown                     // -d
	goalFinished                 // -D
	goalRestarted                // -r
	goalRestartReady             // -R
)

type options struct {
	goal    goal
	any     bool          // -o: one service is enough
	timeout time.Duration // 0: none
}

// Main runs svwait with args (program name first) and returns its exit code.
func Main(args []string, stderr io.Writer) int {
	opt, dirs, ok := parse(args, stderr)
	if !ok || len(dirs) == 0 {
		djb.Usage(stderr, prog, usageText)
		return djb.ExitUsage
	}
	var deadline time.Time
	if opt.timeout > 0 {
		deadline = time.Now().Add(opt.timeout)
	}
	w, err := newWatcher(dirs)
	if err != nil {
		djb.FatalErr(stderr, prog, err, "unable to watch ", errDir(err))
		return djb.ExitTemp
	}
	defer w.closeForExit() // Main's caller exits next
	died, err := w.wait(opt, deadline, stderr)
	switch {
	case err == errTimeout:
		djb.Fatal(stderr, prog, "timed out")
		return ExitTimeout
	case err != nil:
		djb.FatalErr(stderr, prog, err, "unable to wait for ", errDir(err))
		return djb.ExitTemp
	}
	return min(died, maxDied)
}

// parse reads the options as s6-svwait does: the last of -u -U -d -D -r
// -R and of -a -o wins; -t takes milliseconds, 0 meaning no limit.
func parse(args []string, stderr io.Writer) (options, []string, bool) {
	opt := options{goal: goalUp}
	g := djb.NewGetopt(args, stderr)
	for {
		c := g.Next("uUdDrRaot:")
		switch c {
		case djb.Done:
			return opt, g.Operands(), true
		case 'u':
			opt.goal = goalUp
		case 'U':
			opt.goal = goalReady
		case 'd':
			opt.goal = goalDown
		case 'D':
			opt.goal = goalFinished
		case 'r':
			opt.goal = goalRestarted
		case 'R':
			opt.goal = goalRestartReady
		case 'a':
			opt.any = false
		case 'o':
			opt.any = true
		case 't':
			ms, ok := parseMillis(g.Arg)
			if !ok {
				return opt, nil, false
			}
			opt.timeout = time.Duration(ms) * time.Millisecond
		default:
			return opt, nil, false
		}
	}
}

// parseMillis accepts what s6's uint0_scan does: decimal digits only,
// fitting in 32 bits.
func parseMillis(s string) (uint64, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return n, err == nil
}
