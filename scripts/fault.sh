#!/bin/sh
# The fault, load and hostile-input suite (internal/fault, build tag
# "fault"): lossless logging under svscan while processes are killed and
# the log file system fills up; churn of 500 services and a crash loop with
# flat descriptors and memory; 200 services ignoring TERM stopped by
# svscan's ordered shutdown through their timeout-kill; garbage fed to
# every input; other accounts and umasks. Needs root for its tmpfs, nobody and umask parts (they skip
# otherwise). Prints a summary at the end.
#
# Environment: FAULT_SEED replays a run of the lossless test (its seed is
# printed); FAULT_LINES sets the lines per writer (default 600000).
set -eu
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
exec go test -count=1 -tags fault -timeout 40m -v ./internal/fault/... "$@"
