#!/bin/sh
# daemontools-go: after installation (deb postinst, rpm %post).
#   deb: configure [OLD-VERSION] | abort-upgrade | abort-remove | abort-deconfigure
#   rpm: $1 = 1 (first install) | 2 or more (upgrade)
# Creates the service directory if missing (it is not shipped, so removing
# the package never removes a user's tree; purge removes it only if this
# script made it and it is empty) and registers svscan with the init
# system.  Debian: enables and starts it on a fresh install.  RPM: applies
# the presets and starts nothing (Red Hat's rule).  An upgrade never restarts a
# running svscan: that would stop and start every supervised service.  The
# old svscan keeps running until the administrator restarts it.
set -e

case "$1" in
configure) format=deb action=start ;;
abort-upgrade | abort-remove | abort-deconfigure) format=deb action=none ;;
1) format=rpm action=start ;;
[0-9]*) format=rpm action=none ;;
*) exit 0 ;;
esac

SVSCAN_DIR=/service
for f in /etc/default/svscan /etc/sysconfig/svscan; do
	# shellcheck disable=SC1090
	[ -r "$f" ] && . "$f"
done

# Make the service directory, and its parents, if missing, and record
# every directory made here: purge removes those, if empty, and nothing
# else.  (It cannot ask the settings which directory: dpkg deletes them
# before postrm purge runs, rpm before %postun.)
made=/var/lib/daemontools-go/made-dirs
if [ ! -d "$SVSCAN_DIR" ]; then
	new=
	d=$SVSCAN_DIR
	while [ ! -d "$d" ]; do
		new="$d
$new"
		d=$(dirname "$d")
	done
	mkdir -p "$SVSCAN_DIR"
	chmod 0755 "$SVSCAN_DIR"
	mkdir -p "${made%/*}"
	printf '%s' "$new" >>"$made"
fi

systemd_running() {
	[ -d /run/systemd/system ]
}

# Enable the unit.  deb-systemd-helper and systemctl --no-reload both work
# without a running systemd, so an image built in a chroot boots with it.
# On RPM systems a first install applies the distribution's presets, as
# %systemd_post does: Fedora, RHEL and SUSE leave a service off unless a
# preset names it; the administrator enables it (README.md).
# deb-systemd-helper is for the .deb only (run by rpm, it refuses: "not
# called from dpkg").
if [ "$format" = deb ] && command -v deb-systemd-helper >/dev/null 2>&1; then
	deb-systemd-helper unmask svscan.service >/dev/null || true
	if deb-systemd-helper --quiet was-enabled svscan.service; then
		deb-systemd-helper enable svscan.service >/dev/null || true
	else
		deb-systemd-helper update-state svscan.service >/dev/null || true
	fi
elif [ "$format" = deb ] && [ "$action" = start ] && command -v systemctl >/dev/null 2>&1; then
	systemctl --no-reload enable svscan.service >/dev/null 2>&1 || true
elif [ "$format" = rpm ] && [ "$1" = 1 ] && command -v systemctl >/dev/null 2>&1; then
	systemctl --no-reload preset svscan.service >/dev/null 2>&1 || true
fi
if systemd_running; then
	systemctl --system daemon-reload >/dev/null 2>&1 || true
fi

# Register the SysV script: Debian for the runlevels of its LSB header;
# on RPM systems chkconfig --add makes only K links (the .rpm's copy starts
# in no runlevel: "chkconfig: -", empty Default-Start), so it is off until
# "chkconfig svscan on".
if [ "$format" = deb ] && command -v update-rc.d >/dev/null 2>&1; then
	update-rc.d svscan defaults >/dev/null || true
elif [ "$format" = rpm ] && command -v chkconfig >/dev/null 2>&1; then
	chkconfig --add svscan >/dev/null 2>&1 || true
fi

# Red Hat's rule: installing a package starts no service; only Debian's
# install starts svscan.
[ "$format" = deb ] && [ "$action" = start ] || exit 0

# Start svscan, through deb-systemd-invoke or invoke-rc.d, which honour
# policy-rc.d (chroots and image builds forbid starting daemons).  Starting
# an svscan that already runs changes nothing.
start_failed() {
	echo "daemontools-go: svscan was not started; start it with your init system." >&2
}
if systemd_running; then
	if command -v deb-systemd-invoke >/dev/null 2>&1; then
		deb-systemd-invoke start svscan.service >/dev/null || start_failed
	else
		systemctl start svscan.service || start_failed
	fi
elif command -v invoke-rc.d >/dev/null 2>&1; then
	invoke-rc.d svscan start || start_failed
fi
exit 0
