//go:build dtgo_rtsig && linux

package supervise

import (
	"sync/atomic"
	"syscall"
	_ "unsafe" // for go:linkname
)

// With the dtgo_rtsig build tag (link with -ldflags=-checklinkname=0, as
// the release build does) supervise reads the soft RLIMIT_NOFILE it
// started with from package syscall, which saved it when it raised the
// limit for Go's own use; see restoreNofile.

//go:linkname origRlimitNofile syscall.origRlimitNofile
var origRlimitNofile atomic.Pointer[syscall.Rlimit]

func startNofile() *syscall.Rlimit { return origRlimitNofile.Load() }
