#!/bin/sh
# Throughput of our tai64n and tai64nlocal against Debian's C build
# (/usr/bin), on 1,000,000 qmail-like lines of 100 bytes. The programs run
# in alternation RUNS times (default 5); the best run of each counts, which
# is the least disturbed by other load. Prints MB/s (10^6 bytes of input
# per second) and the ratio ours/C. Not a pass/fail test.
set -eu
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"
RUNS=${RUNS:-5}
LINES=${LINES:-1000000}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

sh scripts/build.sh "$work" ./cmd/tai64n ./cmd/tai64nlocal

# 99 characters and a newline, varied like a qmail send log.
awk -v n="$LINES" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "%-99.99s\n", sprintf("delivery %d: success: 192.0.2.%d_accepted_message./Remote_host_said:_250_2.0.0_Ok:_queued_as_%08X/", i, i % 256, i * 2654435761 % 4294967296)
}' >"$work/lines"
/usr/bin/tai64n <"$work/lines" >"$work/labelled"

now() { date +%s%N; }

# run_once PROGRAM INPUT TAG: time one run and keep the best MB/s so far
# in $work/best.TAG.
run_once() {
	prog=$1 input=$2 tag=$3
	bytes=$(wc -c <"$input")
	t0=$(now)
	"$prog" <"$input" >/dev/null
	t1=$(now)
	mbps=$(awk -v b="$bytes" -v ns="$((t1 - t0))" 'BEGIN { printf "%.1f", b / (ns / 1e9) / 1e6 }')
	best=$(cat "$work/best.$tag" 2>/dev/null || echo 0)
	awk -v a="$mbps" -v b="$best" 'BEGIN { exit !(a > b) }' && echo "$mbps" >"$work/best.$tag"
	return 0
}

i=0
while [ "$i" -lt "$RUNS" ]; do
	run_once "$work/tai64n" "$work/lines" tai64n-ours
	run_once /usr/bin/tai64n "$work/lines" tai64n-c
	run_once "$work/tai64nlocal" "$work/labelled" tai64nlocal-ours
	run_once /usr/bin/tai64nlocal "$work/labelled" tai64nlocal-c
	i=$((i + 1))
done

printf '%-12s %10s %10s %7s\n' figure "ours MB/s" "C MB/s" ratio
for prog in tai64n tai64nlocal; do
	ours=$(cat "$work/best.$prog-ours")
	c=$(cat "$work/best.$prog-c")
	printf '%-12s %10s %10s %7s\n' "$prog" "$ours" "$c" "$(awk -v a="$ours" -v b="$c" 'BEGIN { printf "%.1fx", a / b }')"
done
echo "($LINES lines of 100 bytes; best of $RUNS alternating runs; TZ=${TZ:-unset}; load: $(cut -d' ' -f1-3 /proc/loadavg))"
