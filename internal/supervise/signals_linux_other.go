//go:build linux && !(mips || mipsle || mips64 || mips64le)

package supervise

import "golang.org/x/sys/unix"

// Signals beyond the common list whose action the Go runtime changes.
var archSignals = []unix.Signal{unix.SIGSTKFLT}

const (
	lastRTSignal = 64
	sigsetBytes  = 8 // the kernel's sigset_t, rt_sigaction's last argument
	handlerWord  = 0 // the word of struct sigaction holding sa_handler
)
