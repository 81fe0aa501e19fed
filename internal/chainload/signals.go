package chainload

// beforeExec puts back what Go's runtime changed that an exec would pass
// on: the signal state (the memory limits raised by the entry step are
// put back by pathexec at the exec, or by package spawn in fghack's
// child). Without the dtgo_rtsig build (see signals_rtsig.go) nothing
// can be done for signals: Go installs its own handlers at start-up, so a signal
// ignored when the program started (other than SIGHUP and SIGINT, which
// Go leaves ignored) is at its default in the program run, and the
// signals Go insists on unblocking stay unblocked.
func beforeExec() { restoreSignals() }
