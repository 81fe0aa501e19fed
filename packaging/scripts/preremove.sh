#!/bin/sh
# daemontools-go: before removal (deb prerm, rpm %preun).
#   deb: remove | upgrade NEW-VERSION | deconfigure | failed-upgrade
#   rpm: $1 = 0 (erase) | 1 or more (upgrade)
# On removal svscan is stopped with its ordered shutdown: every service is
# stopped (svc -dx) and only then its logger, so the last lines are logged.
# An upgrade leaves svscan and every service running.
set -e

case "$1" in
remove | deconfigure | 0) ;;
*) exit 0 ;;
esac

if [ -d /run/systemd/system ]; then
	if command -v deb-systemd-invoke >/dev/null 2>&1; then
		deb-systemd-invoke stop svscan.service >/dev/null || true
	else
		systemctl stop svscan.service >/dev/null 2>&1 || true
	fi
elif command -v invoke-rc.d >/dev/null 2>&1; then
	invoke-rc.d svscan stop || true
elif command -v service >/dev/null 2>&1; then
	service svscan stop || true
fi

# RPM has no purge: the unit and the SysV links go now.
if [ "$1" = 0 ]; then
	if command -v systemctl >/dev/null 2>&1; then
		systemctl --no-reload disable svscan.service >/dev/null 2>&1 || true
	fi
	if command -v chkconfig >/dev/null 2>&1; then
		chkconfig --del svscan >/dev/null 2>&1 || true
	fi
fi
exit 0
