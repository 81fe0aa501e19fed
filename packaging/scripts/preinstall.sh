#!/bin/sh
# daemontools-go: before unpacking (deb preinst, rpm %pre).
#   deb: install [OLD-VERSION] | upgrade OLD-VERSION | abort-upgrade NEW
#   rpm: $1 = 1 (first install) | 2 or more (upgrade)
# Notes whether Debian's daemontools-run is installed: the package is about
# to replace it (it "disappears", debRelations in packaging/layout.go), and
# postinst then takes over the tree it runs in /etc/service.  Only dpkg
# can be asked now: once our files are unpacked, nothing of
# daemontools-run is left to see.
set -e

case "$1" in
install | upgrade) ;;
*) exit 0 ;;
esac

state=/var/lib/daemontools-go
if command -v dpkg-query >/dev/null 2>&1 &&
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' daemontools-run 2>/dev/null)" = "ii " ]; then
	mkdir -p "$state"
	: >"$state/replacing-daemontools-run"
fi
exit 0
