#!/bin/sh
# daemontools-go: after removal (deb postrm, rpm %postun).
#   deb: remove | purge | upgrade | failed-upgrade | abort-install |
#        abort-upgrade | disappear
#   rpm: $1 = 0 (erase) | 1 or more (upgrade)
# An rpm upgrade only reloads systemd's units (%systemd_postun without the
# _with_restart: restarting svscan would stop every service).
# remove keeps the configuration (deb); purge, and rpm's erase, also drop
# the unit's enablement state, the SysV links and the service directory
# if postinst made it and it is empty: a directory the administrator made,
# or a tree holding services, is the administrator's, never ours.
set -e

case "$1" in
remove) purge=no ;;
purge | 0) purge=yes ;;
[1-9]*) purge=no ;; # rpm upgrade: reload, as %systemd_postun, never restart
*) exit 0 ;;
esac

if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null 2>&1 || true
fi
case "$1" in [1-9]*) exit 0 ;; esac

# deb-systemd-helper for the .deb only: run by rpm (on a host that has it)
# it refuses, "not called from dpkg".
if [ "$1" != 0 ] && command -v deb-systemd-helper >/dev/null 2>&1; then
	if [ "$purge" = yes ]; then
		deb-systemd-helper purge svscan.service >/dev/null || true
	fi
	# Not masked on removal (as debhelper would): the init script left
	# behind as a conffile does nothing once the package is gone, and a
	# mask would outlive a switch back to Debian's packages.  A mask made
	# by an earlier version goes.
	deb-systemd-helper unmask svscan.service >/dev/null || true
fi

[ "$purge" = yes ] || exit 0

if [ "$1" = purge ] && command -v update-rc.d >/dev/null 2>&1; then
	update-rc.d svscan remove >/dev/null || true
fi

# The directories postinst made (service directory and parents), children
# before parents; rmdir removes only empty ones.  A directory the
# administrator made, or filled, stays.
made=/var/lib/daemontools-go/made-dirs
if [ -r "$made" ]; then
	LC_ALL=C sort -ru "$made" | while IFS= read -r d; do
		[ -z "$d" ] || rmdir "$d" 2>/dev/null || true
	done
fi
rm -f "$made" "${made%/*}/svscan.env" "${made%/*}/replacing-daemontools-run"
rmdir "${made%/*}" 2>/dev/null || true
rm -f /var/run/svscan.pid /var/lock/subsys/svscan
exit 0
