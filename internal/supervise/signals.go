package supervise

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The C supervise catches only SIGCHLD; every other signal keeps its
// default action, so TERM, HUP, INT, USR1, ALRM, ... kill supervise on
// the spot and leave the service running. The Go runtime, however,
// installs handlers at start-up that ignore USR1, USR2, ALRM, PIPE and
// others, and turn QUIT into a goroutine dump. defaultSignals gives those
// signals back their default action. Signals the runtime needs (SEGV,
// BUS, FPE, URG for preemption, ...) are left alone. SIGCHLD gets its
// default action too (children still become zombies until reaped): the
// child's exit is seen through its pidfd, so no handler needs to run,
// and poll is not interrupted, at each exit.
var defaultActionSignals = []unix.Signal{
	unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGABRT, unix.SIGUSR1,
	unix.SIGUSR2, unix.SIGPIPE, unix.SIGALRM, unix.SIGTERM, unix.SIGSTKFLT,
	unix.SIGXCPU, unix.SIGXFSZ, unix.SIGVTALRM, unix.SIGPROF, unix.SIGIO,
	unix.SIGPWR, unix.SIGSYS, unix.SIGCHLD,
}

// Real-time signals the Go runtime does not use (32-34 are its own).
const firstFreeRTSignal, lastRTSignal = 35, 64

func defaultSignals() {
	for _, sig := range defaultActionSignals {
		setDefault(sig)
	}
	for sig := firstFreeRTSignal; sig <= lastRTSignal; sig++ {
		setDefault(unix.Signal(sig))
	}
}

// sigaction is at least as large as the kernel's struct sigaction on any
// Linux architecture; all zero means SIG_DFL, no flags, empty mask. The
// handler is the first field everywhere.
type sigaction [4]uintptr

const sigIgn = 1 // SIG_IGN

// setDefault sets sig's action to SIG_DFL unless it is ignored: the Go
// runtime leaves an inherited "ignore" of HUP and INT in place, and so do
// we (as the C supervise keeps every inherited "ignore").
func setDefault(sig unix.Signal) {
	var old, dfl sigaction
	const setsize = 8 // bytes in the kernel's sigset_t
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), setsize, 0, 0)
	if e != 0 || old[0] == sigIgn {
		return
	}
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, setsize, 0, 0)
}
