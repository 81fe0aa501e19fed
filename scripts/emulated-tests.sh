#!/bin/sh
# The formats are the same bytes on every architecture: runs the Go tests
# of the packages that read and write them, built for a big-endian
# (s390x) and a 32-bit (arm/7, armhf) target, under user-mode emulation
# (qemu-user-static through binfmt_misc; scripts/install-deps.sh installs
# it). The programs the tests build are for the same target (testkit), and
# the differential tests run Debian's native C build in /usr/bin against
# them: C svc/svok/svstat on our supervise's directories and ours on C's,
# C and our multilog on the same input, tai64nlocal on labels past 2038.
# The 386 build (32-bit x86) needs no emulation: an x86-64 kernel with
# IA32_EMULATION (Debian's, and this machine's) runs it natively, so it is
# the cheap 32-bit run; where the kernel lacks it, armhf is the 32-bit
# proof (qemu-i386 cannot stand in: it crashes Go's 386 runtime).
#
# Usage: scripts/emulated-tests.sh [-short] [ARCH ...]   (default: s390x arm/7 386)
# -short is what scripts/test.sh runs (a few minutes on 2 loaded cores):
# go test -short, which repeats the kill and crash loops of multilog and
# supervise fewer times (kill -9 during rotation 20 times instead of 100)
# and leaves out the 60-second fork-failure retry; without it, everything.
#
# Skipped under emulation, each for what it measures of qemu rather than of
# the program (they run natively in go test ./...):
#   TestIdleMemory, TestGarbageOnControlIgnored,
#   TestCrashLoopKeepsDescriptorsAndMemoryFlat   resident memory and start
#                         rates: qemu's own (13 MB RssAnon) and its speed
#   TestRestartDelayFile  a 300 ms pause measured within 900 ms
set -eu
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
short=
if [ "${1:-}" = -short ]; then
	short=-short
	shift
fi
[ $# -gt 0 ] || set -- s390x arm/7 386
if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
	mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
update-binfmts --enable >/dev/null 2>&1 || true
skip='^(TestIdleMemory|TestGarbageOnControlIgnored|TestCrashLoopKeepsDescriptorsAndMemoryFlat|TestRestartDelayFile)$'
for arch in "$@"; do
	if [ "$arch" = 386 ]; then
		probe=$(mktemp -d)
		GOOS=linux GOARCH=386 go build -o "$probe/svok" ./cmd/svok
		rc=0
		"$probe/svok" "$probe" >/dev/null 2>&1 || rc=$? # 100: runs, no supervise there
		if [ $rc -ge 126 ]; then
			echo "emulated tests: this kernel does not run 386 programs; arm/7 instead"
			arch=arm/7
		fi
		rm -rf "$probe"
	fi
	goarch=${arch%/*} goarm=
	case $arch in */*) goarm=${arch#*/} ;; esac
	qemu=$goarch
	case $goarch in arm64) qemu=aarch64 ;; ppc64le) qemu=ppc64le ;; mips64le) qemu=mips64el ;; loong64) qemu=loongarch64 ;; esac
	if [ "$goarch" != 386 ] && ! grep -qx enabled "/proc/sys/fs/binfmt_misc/qemu-$qemu" 2>/dev/null; then
		echo "emulated tests: no qemu-$qemu in binfmt_misc (apt-get install qemu-user-static binfmt-support)" >&2
		exit 1
	fi
	echo "emulated tests: $arch"
	# shellcheck disable=SC2086 # $short: one flag or none
	GOOS=linux GOARCH="$goarch" GOARM="$goarm" go test -count=1 $short -timeout 30m -skip "$skip" \
		./internal/svstatus ./internal/tai64 ./internal/tai64n ./internal/control \
		./internal/svstat ./internal/supervise ./internal/multilog
	# svscan's unit of the pipe-count read that was wrong on big-endian.
	GOOS=linux GOARCH="$goarch" GOARM="$goarm" go test -count=1 -run '^TestUnreadBytesCountsAPipe$' ./internal/svscan
done
