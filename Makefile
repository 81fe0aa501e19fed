# daemontools-go. Every target is a thin door to a script or a go command,
# so that the README, .ci/run and this file say the same thing.
GO ?= go
PROGRAMS := svscan svscanboot readproctitle supervise svc svok svstat \
	fghack pgrphack multilog tai64n tai64nlocal setuidgid envuidgid \
	envdir softlimit setlock

.PHONY: all build test demo bench fault packages cross vm-test release-check release-snapshot clean

all: build

# Every program into ./bin, as released (the recipe is in scripts/build.sh).
build:
	sh scripts/build.sh bin

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

# The .deb and the .rpm for every architecture into ./dist.
packages:
	sh scripts/packages.sh

# Every program built and vetted for every architecture.
cross:
	sh scripts/cross.sh

# Boot real init systems in QEMU with the package installed.
vm-test:
	sh vm-tests/run.sh

# GoReleaser (scripts/install-deps.sh installs it; see packaging/README.md).
release-check:
	goreleaser check

release-snapshot:
	goreleaser release --snapshot --clean --skip=publish

clean:
	rm -rf bin dist build
