package supervise

import (
	"syscall"

	"github.com/daemontools-go/daemontools/internal/djb"
)

// Warnings are written without allocating, like everything supervise
// does after start-up (see fork.go), so that its heap stays as it was and
// the collector never has to run, even while a service crash-loops
// beside an unwritable status file and every restart warns. The words
// are 0.76's, laid out as djb.Warn and djb.WarnErr lay them out.

// warnRoom is room for the fixed words of any warning and the longest
// error text; the directory name comes on top. (A longer message would
// only make append allocate.)
const warnRoom = 160

// warn writes "supervise: warning: " and parts, then a newline.
func (s *supervisor) warn(parts ...string) {
	b := append(s.warnBuf[:0], prog+": warning: "...)
	for _, p := range parts {
		b = append(b, p...)
	}
	s.stderr.Write(append(b, '\n'))
}

// errText is djb.ErrStr, without the allocation of its errors.As for
// the usual case of a bare errno.
func errText(err error) string {
	if e, ok := err.(syscall.Errno); ok {
		return djb.ErrnoStr(e)
	}
	return djb.ErrStr(err)
}
