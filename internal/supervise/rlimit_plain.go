//go:build !(dtgo_rtsig && linux)

package supervise

import "syscall"

// Without the dtgo_rtsig build tag the limit supervise started with is not
// known, and the service gets the soft RLIMIT_NOFILE raised by Go.
func startNofile() *syscall.Rlimit { return nil }
