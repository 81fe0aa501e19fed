#!/bin/sh
# Builds every program with the release recipe (scripts/build.sh) and runs
# go vet on every package, with and without the dtgo_rtsig tag, for each
# architecture in scripts/architectures (or those given: amd64 arm/7 ...),
# so that no architecture stops building unnoticed. Run by scripts/test.sh.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
# shellcheck disable=SC2046 # one argument per architecture
[ $# -gt 0 ] || set -- $(sed 's/#.*//' scripts/architectures)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for arch in "$@"; do
	goarch=${arch%/*} goarm=
	case $arch in */*) goarm=${arch#*/} ;; esac
	echo "cross: $arch"
	export GOOS=linux GOARCH="$goarch" GOARM="$goarm"
	sh scripts/build.sh "$out/$goarch$goarm"
	go vet ./cmd/... ./internal/...
	go vet -tags dtgo_rtsig ./cmd/... ./internal/...
done
