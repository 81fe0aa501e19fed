#!/bin/sh
# Installs, from Debian's archive, what the test suite needs: the C build of
# daemontools (the oracle), ucspi-tcp (tcpserver for the HOW-TO's smtpd
# example) and the packaging and VM tools (systemd for systemd-analyze,
# strace for svc's one-write test). Needs root.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
	daemontools ucspi-tcp \
	mandoc shellcheck lintian rpm debootstrap fakeroot \
	qemu-system-x86 qemu-utils e2fsprogs zstd cpio \
	procps psmisc util-linux make gcc strace systemd
