#!/bin/sh
# daemontools-go: after removal (deb postrm, rpm %postun).
#   deb: remove | purge | upgrade | failed-upgrade | abort-install |
#        abort-upgrade | disappear
#   rpm: $1 = 0 (erase) | 1 or more (upgrade)
# remove keeps the configuration (deb); purge, and rpm's erase, also drop
# the unit's enablement state, the SysV links and the service directory if
# it is empty: a tree holding services is the administrator's, never ours.
set -e

case "$1" in
remove) purge=no ;;
purge | 0) purge=yes ;;
*) exit 0 ;;
esac

if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null 2>&1 || true
fi

if command -v deb-systemd-helper >/dev/null 2>&1; then
	if [ "$purge" = yes ]; then
		deb-systemd-helper purge svscan.service >/dev/null || true
		deb-systemd-helper unmask svscan.service >/dev/null || true
	else
		deb-systemd-helper mask svscan.service >/dev/null || true
	fi
fi

[ "$purge" = yes ] || exit 0

if [ "$1" = purge ] && command -v update-rc.d >/dev/null 2>&1; then
	update-rc.d svscan remove >/dev/null || true
fi

SVSCAN_DIR=/service
for f in /etc/default/svscan /etc/sysconfig/svscan; do
	# shellcheck disable=SC1090
	[ -r "$f" ] && . "$f"
done
rmdir "$SVSCAN_DIR" 2>/dev/null || true
rm -f /var/run/svscan.pid /var/lock/subsys/svscan
exit 0
