#!/bin/sh
# Our supervise against Debian's C build (/usr/bin/supervise), side by
# side. Not a pass/fail test. Figures:
#   idle VmRSS / RssAnon   kB, 2 s after start-up, service (sleep) running
#   kill-to-restart        ms from kill -9 of the service to the start of
#                          the next one (the TAI64N stamp supervise writes
#                          into supervise/status with the new pid)
#   kill-to-exec           ms from kill -9 of the service to the moment the
#                          next one runs: the service is a small static C
#                          program (scripts/bench/c/started.c) that writes
#                          the time into ./started first thing; needs gcc
#                          (without it the service is a shell script and this
#                          figure is left out)
#   svc -d to down         ms from running /usr/bin/svc -d to the stamp of
#                          the "down" status record
# Times: mean and median of RUNS (default 5) runs; between runs the script
# waits out supervise's one-second pause after each start. Both use the
# C svc, so only supervise differs; both run at the same time and are
# measured in alternation.
set -eu
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"
RUNS=${RUNS:-5}

work=$(mktemp -d)
pids=
cleanup() {
	for sv in "$work"/ours "$work"/c; do
		p=$(status_pid "$sv" 2>/dev/null); [ "${p:-0}" -gt 0 ] 2>/dev/null && kill -9 "$p" 2>/dev/null
	done
	for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

sh scripts/build.sh "$work" ./cmd/supervise
stamper=
if command -v gcc >/dev/null 2>&1 &&
	gcc -O2 -static -o "$work/started" scripts/bench/c/started.c 2>>"$work/gcc.err"; then
	stamper=$work/started
fi

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

# start_sv TAG SUPERVISE: start a supervise on $work/TAG; TAG.pid holds
# its pid.
start_sv() {
	sv="$work/$1"
	mkdir "$sv"
	if [ -n "$stamper" ]; then
		cp "$stamper" "$sv/run"
	else
		printf '#!/bin/sh\nexec sleep 100000\n' >"$sv/run"
		chmod +x "$sv/run"
	fi
	"$2" "$sv" 2>>"$work/stderr" &
	echo $! >"$work/$1.pid"
	pids="$pids $!"
	wait_for "$sv" "/usr/bin/svok $sv"
	wait_for "$sv" '[ "$(status_pid $sv)" != 0 ]'
}

# add TAG FIGURE NS: record one time (ns) in TAG.FIGURE.
add() {
	echo "$3" >>"$work/$1.$2"
}

# mean FILE, median FILE: of the times recorded, in ns.
mean() { awk '{ s += $1 } END { printf "%d", s / NR }' "$1"; }
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%d", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# kill_restart TAG: kill -9 the service, time until the next start.
kill_restart() {
	sv="$work/$1"
	old=$(status_pid "$sv")
	t0=$(now)
	kill -9 "$old"
	wait_for "$sv" '[ "$(status_pid $sv)" != 0 ] && [ "$(status_pid $sv)" != "$old" ]'
	add "$1" kill $(($(status_ns "$sv") - t0))
	if [ -n "$stamper" ]; then
		wait_for "$sv" '[ "$(cat $sv/started 2>/dev/null || echo 0)" -gt "$t0" ]'
		add "$1" exec $(($(cat "$sv/started") - t0))
	fi
}

# down_time TAG: svc -d, time until the status says down; then svc -u.
down_time() {
	sv="$work/$1"
	t0=$(now)
	/usr/bin/svc -d "$sv"
	wait_for "$sv" '[ "$(status_pid $sv)" = 0 ]'
	add "$1" down $(($(status_ns "$sv") - t0))
	/usr/bin/svc -u "$sv"
}

# Both run side by side and are measured in alternation, so that the
# load of the machine falls on both alike.
start_sv ours "$work/supervise"
start_sv c /usr/bin/supervise
sleep 2
for tag in ours c; do
	awk '/^VmRSS/ {print $2}' "/proc/$(cat "$work/$tag.pid")/status" >"$work/$tag.rss"
	awk '/^RssAnon/ {print $2}' "/proc/$(cat "$work/$tag.pid")/status" >"$work/$tag.anon"
done
# Which one goes first alternates too: the first file-system operation
# after a pause can pay for the journal work left by the other's.
i=0
while [ "$i" -lt "$RUNS" ]; do
	case $((i % 2)) in
	0) order="ours c" ;;
	1) order="c ours" ;;
	esac
	for tag in $order; do kill_restart "$tag"; done
	sleep 1.2 # supervise's pause after each start
	for tag in $order; do down_time "$tag"; done
	sleep 1.2
	i=$((i + 1))
done
for tag in ours c; do
	/usr/bin/svc -dx "$work/$tag"
done
wait

row() { # row FIGURE OURS C [SCALE]
	awk -v f="$1" -v a="$2" -v b="$3" -v s="${4:-1}" 'BEGIN {
		printf "%-30s %10.2f %10.2f %7.2f\n", f, a / s, b / s, (b ? a / b : 0) }'
}
printf '%-30s %10s %10s %7s\n' figure ours C ratio
row "idle VmRSS kB" "$(cat "$work/ours.rss")" "$(cat "$work/c.rss")"
row "idle RssAnon kB" "$(cat "$work/ours.anon")" "$(cat "$work/c.anon")"
figures="kill down"
[ -z "$stamper" ] || figures="kill exec down"
for f in $figures; do
	case $f in
	kill) name=kill-to-restart ;;
	exec) name=kill-to-exec ;;
	down) name="svc -d to down" ;;
	esac
	row "$name ms, mean" "$(mean "$work/ours.$f")" "$(mean "$work/c.$f")" 1000000
	row "$name ms, median" "$(median "$work/ours.$f")" "$(median "$work/c.$f")" 1000000
done
echo "($RUNS runs each; load: $(cut -d' ' -f1-3 /proc/loadavg))"
if [ -s "$work/stderr" ]; then
	echo "stderr of the supervise runs:"
	cat "$work/stderr"
fi
