#!/bin/sh
# The whole test suite: static checks, unit and integration tests (which run
# the real programs against Debian's C build; svscan's in both of its modes),
# the same tests of the format
# packages for s390x and 386 (scripts/emulated-tests.sh), the fault suite,
# then the VM boot tests.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

if { [ ! -x /usr/bin/svscan ] || ! command -v goreleaser >/dev/null ||
	! ls /var/cache/daemontools-go-tests/debs/daemontools-run_*.deb >/dev/null 2>&1 ||
	! ls /var/cache/daemontools-go-tests/debs/daemontools_*.deb >/dev/null 2>&1; } &&
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	sh scripts/install-deps.sh
fi

# shellcheck disable=SC2046 # one argument per file name
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change: $unformatted" >&2
	exit 1
fi
# go.mod and go.sum say exactly what the code imports (go mod tidy).
if ! tidy=$(go mod tidy -diff 2>&1); then
	printf 'go.mod or go.sum is not tidy (run go mod tidy):\n%s\n' "$tidy" >&2
	exit 1
fi
go vet ./...
# Every program builds and vets for every architecture (scripts/architectures).
sh scripts/cross.sh
# The exec benchmark still builds and runs (a few calls, figures dropped):
# its baselines are built apart from the programs (NOENTRY in build.sh).
sh scripts/bench/exec.sh 3 >/dev/null
go test -count=1 -timeout 40m ./...
# svscan's tests again, with svscan supervising its tree in-process
# (SVSCAN_MODE=inprocess, svscan(8)); those about supervise processes as
# such say why they are skipped.
SVSCAN_MODE=inprocess go test -count=1 -timeout 20m ./internal/svscan

# The format packages' tests built for a big-endian (s390x, under
# qemu-user) and a 32-bit target (386, natively; armhf under qemu-user
# where the kernel cannot run 386), against the native C build.
sh scripts/emulated-tests.sh -short s390x 386

# The fault, load and hostile-input suite (build tag "fault").
sh scripts/fault.sh

if [ -f vm-tests/run.sh ]; then
	sh vm-tests/run.sh
fi
