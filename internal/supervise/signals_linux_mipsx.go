//go:build linux && (mips || mipsle || mips64 || mips64le)

package supervise

import "golang.org/x/sys/unix"

// MIPS has no SIGSTKFLT but a SIGEMT (7), which the Go runtime catches.
var archSignals = []unix.Signal{unix.SIGEMT}

// MIPS has 128 signals (glibc's SIGRTMAX is 127), a 16-byte sigset_t, and
// a struct sigaction that starts with an int sa_flags, so that the handler
// is the second word.
const (
	lastRTSignal = 127
	sigsetBytes  = 16
	handlerWord  = 1
)
