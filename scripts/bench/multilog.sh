#!/bin/sh
# Throughput of our multilog against Debian's C multilog (daemontools 0.76)
# on the same 1,000,000-line, 100-byte-per-line qmail-like log, with the
# same fsync durability (both fsync every file they rotate and current at
# exit). Runs alternate between the two programs; the best of ROUNDS runs
# of each counts. Prints MB/s, the ratio, and peak RSS.
#
# Environment: BENCH_DIR (where logs are written; default a new temporary
# directory: its file system decides what fsync costs), ROUNDS (default 3),
# ORACLE (default /usr/bin/multilog).
set -eu

ROUNDS=${ROUNDS:-3}
ORACLE=${ORACLE:-/usr/bin/multilog}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/multilog-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

[ -x "$ORACLE" ] || { echo "multilog.sh: $ORACLE missing (apt-get install daemontools)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "multilog.sh: GNU time missing (apt-get install time)" >&2; exit 1; }

sh "$TOP/scripts/build.sh" "$WORK" ./cmd/multilog

# 1,000,000 lines of exactly 100 bytes (99 + newline), shaped like
# qmail-send's log so that the HOW-TO's patterns have work to do.
awk 'BEGIN {
	srand(1)
	k[0] = "status: local 1/10 remote 3/20"
	k[1] = "new msg 123456"
	k[2] = "info msg 123456: bytes 2345 from <someone@example.org> qp 12345 uid 1001"
	k[3] = "starting delivery 4567: msg 123456 to remote user@example.com"
	k[4] = "delivery 4567: success: 192.0.2.1_accepted_message./Remote_host_said:_250_ok/"
	k[5] = "delivery 4568: deferral: Sorry,_I_couldn'"'"'t_find_any_host_by_that_name_(#4.1.2)/"
	k[6] = "end msg 123456"
	k[7] = "delivery 4569: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/"
	k[8] = "bounce msg 123456 qp 12346"
	k[9] = "warning: trouble opening local/12345; will try again"
	pad = "................................................................................................."
	for (i = 0; i < 1000000; i++) {
		s = k[int(rand() * 10)] " " i " " pad
		print substr(s, 1, 99)
	}
}' > "$WORK/input"
BYTES=$(wc -c < "$WORK/input")

# run PROGRAM ARGS...: prints "seconds peak-RSS-KB" for one run in a fresh directory.
run() {
	rm -rf "$WORK/run" && mkdir "$WORK/run"
	(cd "$WORK/run" && /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" < "$WORK/input") ||
		{ echo "multilog.sh: $* failed" >&2; exit 1; }
	cat "$WORK/time"
}

# figure NAME ARGS...: best of ROUNDS alternating runs of each program.
figure() {
	name=$1; shift
	best_o=; best_c=; rss_o=0; rss_c=0
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		read -r t m <<EOT
$(run "$WORK/multilog" "$@")
EOT
		best_o=$(echo "$t ${best_o:-$t}" | awk '{print ($1 < $2) ? $1 : $2}'); [ "$m" -gt "$rss_o" ] && rss_o=$m
		read -r t m <<EOT
$(run "$ORACLE" "$@")
EOT
		best_c=$(echo "$t ${best_c:-$t}" | awk '{print ($1 < $2) ? $1 : $2}'); [ "$m" -gt "$rss_c" ] && rss_c=$m
		i=$((i + 1))
	done
	awk -v n="$name" -v b="$BYTES" -v o="$best_o" -v c="$best_c" -v ro="$rss_o" -v rc="$rss_c" 'BEGIN {
		if (o < 0.01) o = 0.01; if (c < 0.01) c = 0.01
		printf "%-24s %9.1f %9.1f %7.2fx   %7d KB %7d KB\n", n, b / o / 1e6, b / c / 1e6, c / o, ro, rc
	}'
}

echo "input: $BYTES bytes, 1000000 lines; logs in $WORK ($(stat -f -c %T "$WORK")); best of $ROUNDS"
printf "%-24s %9s %9s %8s   %10s %10s\n" figure "ours MB/s" "C MB/s" ratio "ours RSS" "C RSS"
figure "t ./main" t ./main
figure "t s16777215 n5 ./main" t s16777215 n5 ./main
figure "qmail-send (HOW-TO 4.2)" t ./main \
	'-* status: *' '-* starting delivery *' '-* delivery * success*' '-* delivery * failure*' \
	'-* new msg *' '-* info msg *' '-* end msg *' '-* bounce msg *' \
	"-* delivery * deferral: Sorry,_I_couldn't_find_any_host_by_that_name*" \
	"-* delivery * deferral: Sorry,_I_wasn't_able_to_establish_an_SMTP_*" \
	./alert '-*' '+* status: *' =status
