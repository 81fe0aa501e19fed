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

# Replacing Debian's daemontools-run (preinst noted it): svscan goes on
# scanning /etc/service, Debian's service directory, recorded in
# svscan.env, which the unit and the init script read before the
# administrator's settings.  A /service tree is left as it is: whatever
# started an svscan on it before starts ours on it now.
# The decision is recorded once (/service elsewhere), so that
# update-service, which reads it, registers services where svscan looks.
state=/var/lib/daemontools-go
from_debian=no
if [ -e "$state/replacing-daemontools-run" ]; then
	rm -f "$state/replacing-daemontools-run"
	from_debian=yes
	if [ ! -e "$state/svscan.env" ] || ! grep -q '^SVSCAN_DIR=/etc/service$' "$state/svscan.env"; then
		printf '%s\n' "# Written by daemontools-go's postinst: it replaced Debian's daemontools-run," \
			"# whose svscan scanned /etc/service.  SVSCAN_DIR in /etc/default/svscan" \
			"# overrides this file." "SVSCAN_DIR=/etc/service" >"$state/svscan.env"
	fi
	echo "daemontools-go: replacing Debian's daemontools-run: svscan scans /etc/service, as before ($state/svscan.env)."
	if [ -d /service ] && [ ! -L /service ]; then
		echo "daemontools-go: /service is left as it is; an svscan started on it by other means goes on running it."
	fi
elif [ ! -e "$state/svscan.env" ]; then
	mkdir -p "$state"
	printf '%s\n' "# Written by daemontools-go's postinst: the directory svscan scans unless" \
		"# SVSCAN_DIR in /etc/default/svscan (or /etc/sysconfig/svscan) says otherwise." \
		"SVSCAN_DIR=/service" >"$state/svscan.env"
fi

SVSCAN_DIR=/service
for f in "$state/svscan.env" /etc/default/svscan /etc/sysconfig/svscan; do
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

# procs: "PID PPID COMM" for every process.
procs() {
	for stat in /proc/[0-9]*/stat; do
		# (processes come and go while we read)
		{ read -r line <"$stat"; } 2>/dev/null || continue
		# /proc/PID/stat: pid (comm) state ppid ...
		# shellcheck disable=SC2086
		set -- $line
		echo "$1 $4 $2"
	done
}

# take_over_systemd: daemontools-run.service runs Debian's svscanboot,
# svscan and the tree.  Stopping it would kill its whole control group,
# every service and logger at once, so svscan.service is started first
# (its svscan takes the tree over), every process of the tree is moved
# into svscan.service's control group, and daemontools-run.service, left
# with Debian's svscanboot and svscan only, is stopped.  readproctitle
# moves too: the tree's standard error is its pipe.
take_over_systemd() {
	systemctl --quiet is-active daemontools-run.service 2>/dev/null || return 0
	echo "daemontools-go: taking over the tree of daemontools-run.service (no service is restarted)."
	if command -v deb-systemd-invoke >/dev/null 2>&1; then
		deb-systemd-invoke start svscan.service >/dev/null || :
	else
		systemctl start svscan.service || :
	fi
	if ! systemctl --quiet is-active svscan.service; then
		echo "daemontools-go: svscan.service did not start; daemontools-run.service left running." >&2
		return 0
	fi
	root=/sys/fs/cgroup
	[ -e "$root/cgroup.controllers" ] || root=/sys/fs/cgroup/systemd
	old=$root$(systemctl show -p ControlGroup --value daemontools-run.service)
	new=$root$(systemctl show -p ControlGroup --value svscan.service)
	main=$(systemctl show -p MainPID --value daemontools-run.service)
	n=0
	while [ $n -lt 20 ] && [ -r "$old/cgroup.procs" ]; do
		moved=0
		while read -r pid; do
			[ "$pid" != "$main" ] || continue
			comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
			[ "$comm" != svscan ] || continue
			echo "$pid" >"$new/cgroup.procs" 2>/dev/null && moved=1
		done <"$old/cgroup.procs"
		[ $moved = 1 ] || break
		n=$((n + 1))
	done
	systemctl stop daemontools-run.service || :
	# Its main process, Debian's svscanboot, ended by TERM: that is how
	# it stops, not a failure to report.
	systemctl reset-failed daemontools-run.service 2>/dev/null || :
}

# take_over_inittab: sysvinit runs Debian's svscanboot from the inittab
# entry "SV" between daemontools-run's marker lines.  init kills an
# entry's whole process group, the tree, when the entry is removed, but
# not when only its command changes (the new one runs when the old one has
# exited).  So: our svscan is started (it takes the tree over), the entry's
# command becomes a placeholder, the old svscan and svscanboot are
# stopped (readproctitle, holding the tree's standard error, stays), init
# starts the placeholder, alone in a new process group, and only then is
# the entry removed, which kills the placeholder alone.
take_over_inittab() {
	[ -f /etc/inittab ] && grep -q '^#-- daemontools-run begin' /etc/inittab || return 0
	boot=
	for p in $(procs | awk '$2 == 1 { print $1 }'); do
		if [ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "/bin/sh /usr/bin/svscanboot " ]; then
			boot=$p
		fi
	done
	if [ -n "$boot" ]; then
		echo "daemontools-go: taking over the tree of daemontools-run's inittab entry (no service is restarted)."
		if command -v invoke-rc.d >/dev/null 2>&1; then
			invoke-rc.d svscan start || :
		fi
		if ! { read -r pid </var/run/svscan.pid && kill -0 "$pid"; } 2>/dev/null; then
			echo "daemontools-go: svscan did not start; daemontools-run's inittab entry left running." >&2
			return 0
		fi
		edit_inittab 'SV:123456:respawn:/bin/sleep 2147483646'
		reread_inittab
		for p in $(procs | awk -v b="$boot" '$2 == b && $3 == "(svscan)" { print $1 }'); do
			kill -TERM "$p" 2>/dev/null || :
		done
		kill -TERM "$boot" 2>/dev/null || :
		# Until init has collected it: removing the entry before that
		# would kill the old process group.
		n=100
		while [ $n -gt 0 ] && [ -d "/proc/$boot" ]; do
			sleep 0.1 2>/dev/null || sleep 1
			n=$((n - 1))
		done
	fi
	edit_inittab ''
	reread_inittab
}

# reread_inittab: "init q", where there is a System V init to ask.
reread_inittab() {
	if command -v init >/dev/null 2>&1; then
		init q || :
	fi
}

# edit_inittab LINE: daemontools-run's block (or ours) in /etc/inittab
# becomes ours holding LINE, or goes when LINE is empty.
edit_inittab() {
	awk -v line="$1" '
		/^#-- daemontools-(run|go) begin/ { skip = 1
			if (line != "") { print "#-- daemontools-go begin (taking over from daemontools-run)"; print line; print "#-- daemontools-go end" }
			next }
		skip && /^#-- daemontools-(run|go) end/ { skip = 0; next }
		!skip' /etc/inittab >/etc/inittab.daemontools-go
	mv -f /etc/inittab.daemontools-go /etc/inittab
}

take_over_debian_tree() {
	if systemd_running; then
		take_over_systemd
		# A block left in an inittab that systemd does not read.
		if [ -f /etc/inittab ] && grep -q '^#-- daemontools-run begin' /etc/inittab; then
			edit_inittab ''
		fi
	else
		take_over_inittab
	fi
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

# The tree daemontools-run was running, taken over without a restart:
# our svscan starts first and takes over every running supervise with its
# log pipe (svscan(8)); then the old svscan goes.
[ "$from_debian" = yes ] && take_over_debian_tree

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
