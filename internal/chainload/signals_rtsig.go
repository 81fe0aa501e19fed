//go:build dtgo_rtsig && linux && (amd64 || arm64)

package chainload

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// With the dtgo_rtsig build tag (link with -ldflags=-checklinkname=0) the
// signal state the program started with is read from Go's runtime, which
// saved it before installing its handlers, and put back before the exec,
// as a C wrapper would leave it.

//go:linkname fwdSig runtime.fwdSig
var fwdSig [65]uintptr // the handler each signal had at start-up

//go:linkname initSigmask runtime.initSigmask
var initSigmask [2]uint32 // the signal mask at start-up

// signalIgnore is what os/signal.Ignore does, without importing os: it
// sets SIG_IGN and stops Go resetting the signal in a forked child.
//
//go:linkname signalIgnore os/signal.signal_ignore
func signalIgnore(sig uint32)

const sigIgn = 1 // SIG_IGN

// lockOSThread is the runtime's own, internal lock (runtime.main uses it
// during init). runtime.LockOSThread would first start the "template
// thread" that a locked thread needs to create new threads from a clean
// state; a wrapper that is about to exec needs none, and starting a thread
// was about a fifth of the page faults of setuidgid's whole run.
//
//go:linkname lockOSThread runtime.lockOSThread
func lockOSThread()

// lockThread keeps the calling goroutine on its thread, from which the
// exec happens (the runtime's internal lock, as restoreSignals takes it).
func lockThread() { lockOSThread() }

func restoreSignals() {
	for sig := 1; sig < len(fwdSig); sig++ {
		if fwdSig[sig] == sigIgn {
			signalIgnore(uint32(sig))
		}
	}
	// The exec (or the fork) happens on this thread, which takes the mask.
	lockOSThread()
	var set unix.Sigset_t
	*(*uint64)(unsafe.Pointer(&set.Val[0])) = uint64(initSigmask[0]) | uint64(initSigmask[1])<<32
	unix.PthreadSigmask(unix.SIG_SETMASK, &set, nil)
}
