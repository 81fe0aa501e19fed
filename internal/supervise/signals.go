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
var defaultActionSignals = append([]unix.Signal{
	unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGABRT, unix.SIGUSR1,
	unix.SIGUSR2, unix.SIGPIPE, unix.SIGALRM, unix.SIGTERM,
	unix.SIGXCPU, unix.SIGXFSZ, unix.SIGVTALRM, unix.SIGPROF, unix.SIGIO,
	unix.SIGPWR, unix.SIGSYS, unix.SIGCHLD,
}, archSignals...)

// Real-time signals the Go runtime does not use (32-34 are its own); the
// last one is 64, or 127 on MIPS (signals_linux_*.go).
const firstFreeRTSignal = 35

func defaultSignals() {
	for _, sig := range defaultActionSignals {
		setDefault(sig)
	}
	for sig := firstFreeRTSignal; sig <= lastRTSignal; sig++ {
		setDefault(unix.Signal(sig))
	}
}

// sigaction is at least as large as the kernel's struct sigaction on any
// Linux architecture (20 bytes on 32-bit ones, 32 on 64-bit ones); all
// zero means SIG_DFL, no flags, empty mask. The handler is its first word,
// or its second on MIPS, where sa_flags comes first (handlerWord).
type sigaction [8]uintptr

const sigIgn = 1 // SIG_IGN

// setDefault sets sig's action to SIG_DFL unless it is ignored: the Go
// runtime leaves an inherited "ignore" of HUP and INT in place, and so do
// we (as the C supervise keeps every inherited "ignore").
func setDefault(sig unix.Signal) {
	var old, dfl sigaction
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), sigsetBytes, 0, 0)
	if e != 0 || old[handlerWord] == sigIgn {
		return
	}
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, sigsetBytes, 0, 0)
}
