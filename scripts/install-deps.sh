#!/bin/sh
# Installs what the test suite needs: from Debian's archive the C build of
# daemontools (the oracle), s6 (s6-supervise, the oracle for supervise's
# extensions beyond 0.76: down-signal, timeout-kill, finish, ...),
# ucspi-tcp (tcpserver for the HOW-TO's smtpd example), runit (chpst -m,
# one way run scripts set memory limits), the
# packaging and VM tools (systemd for systemd-analyze, rpmlint, dnf and
# createrepo-c for the .rpm, chkconfig's build dependencies for the RPM
# install test, strace for svc's one-write test), qemu-user-static and
# binfmt-support for the tests under emulation (scripts/emulated-tests.sh) and
# the arm64 VM guest, qemu-system-arm (qemu-system-aarch64) for that guest;
# and GoReleaser, which the packaging tests run on .goreleaser.yaml, built
# with `go install` from the Go module proxy into /usr/local/bin; and,
# downloaded but not installed, Debian's daemontools and daemontools-run
# .debs, whose update-service the packaging tests compare ours with and
# which they replace with ours in a chroot. Needs root.
#
# Building GoReleaser is most of this script's work (about 460 CPU-seconds,
# 5 minutes on 2 cores with empty Go caches; packaging/README.md), so it
# builds in the background while apt-get runs, and the script waits for it
# at the end: the tests start only once it is there, and a failed build
# fails the script with its log.
set -eu
export DEBIAN_FRONTEND=noninteractive
export PATH="$PATH:/usr/local/go/bin"

# The newest release that installs with this Go from the module proxy (see
# packaging/README.md).
GORELEASER_VERSION=v2.15.2
GORELEASER_BIN=/usr/local/bin

goreleaser_installed() {
	"$GORELEASER_BIN/goreleaser" --version 2>/dev/null |
		grep -q "^GitVersion: *$GORELEASER_VERSION\$"
}

log=$(mktemp)
pid=
stop_build() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
	fi
	rm -f "$log"
}
trap stop_build EXIT
if ! goreleaser_installed; then
	echo "install-deps: go install github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION (in the background)"
	start=$(date +%s)
	# GOTOOLCHAIN=local: fail plainly if it wants a newer Go, never fetch one.
	GOBIN=$GORELEASER_BIN GOTOOLCHAIN=local \
		go install "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION" >"$log" 2>&1 &
	pid=$!
fi

apt-get update -q
apt-get install -y -q --no-install-recommends \
	daemontools s6 ucspi-tcp runit \
	mandoc shellcheck lintian rpm debootstrap fakeroot \
	rpmlint dnf createrepo-c libpopt-dev libselinux1-dev libsepol-dev \
	qemu-system-x86 qemu-system-arm qemu-utils e2fsprogs zstd cpio qemu-user-static binfmt-support \
	procps psmisc util-linux make gcc strace systemd git

# daemontools-run conflicts with runit and would take /etc/service: only
# its .deb, which packaging/updateservice_test.go unpacks in a temporary
# directory, and daemontools' (the switch from Debian's packages to ours
# and back is tested in a chroot, packaging/debianrun_test.go). As root,
# apt's download sandbox user cannot write here.
debs=/var/cache/daemontools-go-tests/debs
mkdir -p "$debs"
for p in daemontools daemontools-run; do
	if ! ls "$debs/${p}_"*.deb >/dev/null 2>&1; then
		(cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$p")
	fi
done

if [ -n "$pid" ]; then
	echo "install-deps: waiting for go install of goreleaser"
	status=0
	wait "$pid" || status=$?
	pid=
	if [ "$status" != 0 ] || ! goreleaser_installed; then
		echo "install-deps: go install github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION failed (exit $status):" >&2
		cat "$log" >&2
		exit 1
	fi
	echo "install-deps: goreleaser $GORELEASER_VERSION in $GORELEASER_BIN after $(($(date +%s) - start)) s"
fi
