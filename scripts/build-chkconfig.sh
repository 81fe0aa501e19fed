#!/bin/sh
# build-chkconfig.sh TARBALL OUT
# Builds Red Hat's chkconfig (fedora-sysv's chkconfig-1.33.tar.gz, GPL-2.0)
# from its source as a static binary OUT, so that it runs in a root without
# libpopt: the dnf test's RPM root (packaging/dnf_test.go) and the rpm VM
# guest (vm-tests/run.sh).  Only chkconfig itself is built, not
# alternatives or ntsysv.  Needs make, cc, libpopt-dev, libselinux1-dev and
# libsepol-dev (scripts/install-deps.sh installs them).  Its paths are
# /etc/init.d and /etc/rcN.d, as on Debian.
set -eu
tarball=$1 out=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/chkconfig.XXXXXX")
trap 'rm -rf "$dir"' EXIT
tar -C "$dir" --strip-components=1 -xzf "$tarball"
make -s -C "$dir" chkconfig.o leveldb.o
(cd "$dir" && cc -static -o chkconfig chkconfig.o leveldb.o -lpopt -lselinux -lsepol -lpcre2-8)
install -m 755 "$dir/chkconfig" "$out"
