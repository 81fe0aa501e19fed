package testkit

import (
	"os"
	"os/signal"
	"syscall"
)

// The programs under test start with SIGHUP, SIGINT and SIGQUIT at their
// defaults, as from a shell or an init system, even when the tests were
// started with them ignored (nohup, a background job of a script, which
// ignores SIGINT and SIGQUIT): an ignored signal stays ignored across
// fork and exec, and, for instance, svscan would then outlive the SIGHUP
// that a test expects it to die of. Catching such a signal here (and
// doing nothing with it) puts it back at its default in every program
// the test process starts, since an exec resets caught signals.
func init() {
	for _, sig := range []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT} {
		if signal.Ignored(sig) {
			signal.Notify(make(chan os.Signal, 1), sig)
		}
	}
}
