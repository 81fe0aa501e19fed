# daemontools-go. Every target is a thin door to a script or a go command,
# so that the README, .ci/run and this file say the same thing.
GO ?= go
# The release build: static; dtgo_rtsig lets the exec wrappers hand on the
# signal state they started with, as C wrappers do (see daemontools(7)).
GOFLAGS_RELEASE := -tags dtgo_rtsig -ldflags='-s -w -checklinkname=0'
PROGRAMS := svscan svscanboot readproctitle supervise svc svok svstat \
	fghack pgrphack multilog tai64n tai64nlocal setuidgid envuidgid \
	envdir softlimit setlock

.PHONY: all build test demo bench fault packages vm-test release-check release-snapshot clean

all: build

# Every program into ./bin.
build:
	CGO_ENABLED=0 $(GO) build -trimpath $(GOFLAGS_RELEASE) -o bin/ ./cmd/...

# The whole test suite (what .ci/run runs).
test:
	sh scripts/test.sh

# A demo service tree with a logged service under svscan.
demo:
	sh scripts/demo.sh

# Side-by-side figures against Debian's C build (not pass/fail).
bench:
	sh scripts/bench.sh

# Fault, load and hostile-input suite.
fault:
	sh scripts/fault.sh

# The .deb and the .rpm into ./dist.
packages: build
	$(GO) run ./packaging -bin bin -out dist

# Boot real init systems in QEMU with the package installed.
vm-test:
	sh vm-tests/run.sh

# GoReleaser (not in CI: go install github.com/goreleaser/goreleaser/v2@v2.15.2;
# see packaging/README.md).
release-check:
	goreleaser check

release-snapshot:
	goreleaser release --snapshot --clean --skip=publish

clean:
	rm -rf bin dist build
