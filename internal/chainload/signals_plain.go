//go:build !(dtgo_rtsig && linux && (amd64 || arm64))

package chainload

import "runtime"

func restoreSignals() {}

// lockThread keeps the calling goroutine on its thread, from which the
// exec happens.
func lockThread() { runtime.LockOSThread() }
