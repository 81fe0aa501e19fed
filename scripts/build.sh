#!/bin/sh
# The release build, the one recipe every other build follows (make build,
# make packages, the benchmarks, and the tests through internal/testkit and
# the packaging tests; only .goreleaser.yaml repeats its settings): static,
# stripped, and
#   -tags dtgo_rtsig, -checklinkname=0  the exec wrappers hand on the signal
#                                       state they started with (daemontools(7)),
#                                       supervise the open-files limit
#   -E=_dtgo_rt0 (amd64, arm64)        enter through internal/rlimit's step,
#                                       which saves the soft memory limits
#                                       and raises them for the runtime, so
#                                       that run scripts' limits work as
#                                       with the C tools (daemontools(7))
#   GOEXPERIMENT=nogreenteagc           Go 1.25's collector before "Green
#                                       Tea": these small heaps touch fewer
#                                       pages without its per-span mark bits
#                                       (idle supervise: about 45 kB less)
# Usage: scripts/build.sh DIR [./cmd/PROGRAM ...]   (default: all programs)
# NOENTRY=1 leaves out -E: for the benchmarks' empty baseline programs
# (scripts/bench/empty/), which do not link internal/rlimit; the entry
# step's own cost (four prlimit64 calls) is then counted against ours.
# EXTRATAGS=T1,T2 adds build tags (tests only: dtgo_faultinject).
set -eu
[ $# -ge 1 ] || { echo "usage: scripts/build.sh DIR [package ...]" >&2; exit 100; }
dir=$1
shift
[ $# -gt 0 ] || set -- ./cmd/...
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
ldflags='-s -w -checklinkname=0'
case $(go env GOARCH) in
amd64 | arm64) [ "${NOENTRY:-0}" = 1 ] || ldflags="$ldflags -E=_dtgo_rt0" ;;
esac
CGO_ENABLED=0 GOEXPERIMENT=nogreenteagc exec go build -trimpath -tags "dtgo_rtsig${EXTRATAGS:+,$EXTRATAGS}" \
	-ldflags="$ldflags" -o "$dir/" "$@"
