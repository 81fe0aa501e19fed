#!/bin/sh
# Our supervise against Debian's C build (/usr/bin/supervise), side by
# side. Not a pass/fail test. Figures:
#   idle VmRSS / RssAnon   kB, 2 s after start-up, service (sleep) running
#   kill-to-restart        ms from kill -9 of the service to the start of
#                          the next one (the TAI64N stamp supervise writes
#                          into supervise/status with the new pid)
#   svc -d to down         ms from running /usr/bin/svc -d to the stamp of
#                          the "down" status record
# Times are means over RUNS (default 5) runs; between runs the script
# waits out supervise's one-second pause after each start. Both use the
# C svc, so only supervise differs.
set -eu
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"
RUNS=${RUNS:-5}

work=$(mktemp -d)
pids=
cleanup() {
	for sv in "$work"/ours "$work"/c; do
		[ -s "$sv/supervise/status" ] && kill -9 "$(status_pid "$sv")" 2>/dev/null
	done
	for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$work/" ./cmd/supervise

now() { date +%s%N; }

# status_pid DIR: the pid in DIR/supervise/status (little-endian).
status_pid() {
	set -- $(od -An -tu1 -j12 -N4 "$1/supervise/status")
	echo $(($1 | ($2 << 8) | ($3 << 16) | ($4 << 24)))
}

# status_ns DIR: the TAI64N stamp of DIR/supervise/status in Unix ns.
status_ns() {
	set -- $(od -An -tu1 -N12 "$1/supervise/status")
	sec=$(((($5 << 24) | ($6 << 16) | ($7 << 8) | $8) - 10))
	nano=$((($9 << 24) | (${10} << 16) | (${11} << 8) | ${12}))
	echo $((sec * 1000000000 + nano))
}

# wait_for DIR CONDITION: poll until the shell condition holds (10 s max).
wait_for() {
	n=0
	until eval "$2"; do
		n=$((n + 1))
		[ "$n" -lt 2000 ] || { echo "timeout: $2 in $1" >&2; exit 1; }
		sleep 0.005
	done
}

# measure TAG SUPERVISE: writes TAG.rss, TAG.anon, TAG.kill, TAG.down.
measure() {
	tag=$1 bin=$2 sv="$work/$1"
	mkdir "$sv"
	printf '#!/bin/sh\nexec sleep 100000\n' >"$sv/run"
	chmod +x "$sv/run"
	"$bin" "$sv" 2>>"$work/stderr" &
	spid=$!
	pids="$pids $spid"
	wait_for "$sv" "/usr/bin/svok $sv"
	wait_for "$sv" '[ "$(status_pid $sv)" != 0 ]'
	sleep 2
	grep VmRSS "/proc/$spid/status" | awk '{print $2}' >"$work/$tag.rss"
	grep RssAnon "/proc/$spid/status" | awk '{print $2}' >"$work/$tag.anon"

	kill_total=0 down_total=0 i=0
	while [ "$i" -lt "$RUNS" ]; do
		old=$(status_pid "$sv")
		t0=$(now)
		kill -9 "$old"
		wait_for "$sv" '[ "$(status_pid $sv)" != 0 ] && [ "$(status_pid $sv)" != "$old" ]'
		kill_total=$((kill_total + $(status_ns "$sv") - t0))
		sleep 1.2 # supervise's pause after the start

		t0=$(now)
		/usr/bin/svc -d "$sv"
		wait_for "$sv" '[ "$(status_pid $sv)" = 0 ]'
		down_total=$((down_total + $(status_ns "$sv") - t0))
		/usr/bin/svc -u "$sv"
		sleep 1.2
		i=$((i + 1))
	done
	echo $((kill_total / RUNS)) >"$work/$tag.kill"
	echo $((down_total / RUNS)) >"$work/$tag.down"
	/usr/bin/svc -dx "$sv"
	wait "$spid" || true
}

measure ours "$work/supervise"
measure c /usr/bin/supervise

row() { # row FIGURE OURS C [SCALE]
	awk -v f="$1" -v a="$2" -v b="$3" -v s="${4:-1}" 'BEGIN {
		printf "%-22s %10.2f %10.2f %7.2f\n", f, a / s, b / s, (b ? a / b : 0) }'
}
printf '%-22s %10s %10s %7s\n' figure ours C ratio
row "idle VmRSS kB" "$(cat "$work/ours.rss")" "$(cat "$work/c.rss")"
row "idle RssAnon kB" "$(cat "$work/ours.anon")" "$(cat "$work/c.anon")"
row "kill-to-restart ms" "$(cat "$work/ours.kill")" "$(cat "$work/c.kill")" 1000000
row "svc -d to down ms" "$(cat "$work/ours.down")" "$(cat "$work/c.down")" 1000000
echo "(means of $RUNS runs; load: $(cut -d' ' -f1-3 /proc/loadavg))"
if [ -s "$work/stderr" ]; then
	echo "stderr of the supervise runs:"
	cat "$work/stderr"
fi
