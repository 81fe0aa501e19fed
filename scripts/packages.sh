#!/bin/sh
# make packages: for each architecture in scripts/architectures (or those
# given: amd64 arm/7 ...), the programs with the release recipe
# (scripts/build.sh) into build/bin/ARCH, then the .deb and the .rpm into
# dist/, named as each format names the architecture
# (daemontools-go_VERSION-1_armhf.deb, daemontools-go-VERSION-1.armv7hl.rpm).
set -eu
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
# shellcheck disable=SC2046 # one argument per architecture
[ $# -gt 0 ] || set -- $(sed 's/#.*//' scripts/architectures)
mkdir -p build
go build -o build/packaging ./packaging # for this machine, whatever GOARCH says
for arch in "$@"; do
	goarch=${arch%/*} goarm=
	case $arch in */*) goarm=${arch#*/} ;; esac
	GOOS=linux GOARCH="$goarch" GOARM="$goarm" sh scripts/build.sh "build/bin/$goarch$goarm"
	build/packaging -bin "build/bin/$goarch$goarm" -out dist # the architecture: the programs' own
done
