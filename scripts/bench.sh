#!/bin/sh
# The side-by-side report: our programs against Debian's C build of
# daemontools 0.76 (/usr/bin), same inputs, run in alternation. Not a
# pass/fail test: every figure depends on the machine and its load.
#
#   sh scripts/bench.sh [-o FILE]       (QUICK=1 for a short, rougher run)
#
# Most figures come from the per-area scripts in scripts/bench/ (each
# prints its own table; this script runs them and parses their lines).
# Added here, because no area script has them: the exec cost of svstat
# and svok (beside an empty Go program's), the svc round trip, and multilog on the HOW-TO's second qmail
# script (qmail-smtpd with recordio). The report is a markdown table on
# stdout, and in FILE with -o; the area scripts' own output goes to
# FILE.log (or is dropped without -o).
set -eu
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
out=
while getopts o: opt; do
	case $opt in
	o) out=$OPTARG ;;
	*) echo "usage: sh scripts/bench.sh [-o FILE]" >&2; exit 100 ;;
	esac
done
QUICK=${QUICK:-0}
for p in multilog tai64n tai64nlocal supervise svscan svc svok svstat envdir setuidgid softlimit; do
	[ -x /usr/bin/$p ] || { echo "bench.sh: /usr/bin/$p missing (apt-get install daemontools)" >&2; exit 111; }
done

work=$(mktemp -d)
svpid=
cleanup() {
	[ -n "$svpid" ] && /usr/bin/svc -dx "$work/sv" 2>/dev/null && wait "$svpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
log=${out:+$out.log}
log=${log:-/dev/null}
: >"$log"

# Ours, built once as "make build" builds the release, for the figures
# added here, and the empty Go program built the same way, the baseline
# of svstat's and svok's exec cost. (The area scripts build their own.)
sh scripts/build.sh "$work/bin"
NOENTRY=1 sh scripts/build.sh "$work/bin" scripts/bench/empty/empty.go

if [ "$QUICK" = 1 ]; then
	wait_runs=5 sup_runs=2 backoff_secs=15 scan_trials=3 scan_idle=3 tree_idle=5 tree_runs=5 ml_rounds=1 tai_runs=2 tai_lines=200000 exec_calls=200 own_calls=200 smtpd_lines=200000
else
	wait_runs=30 sup_runs=30 backoff_secs=30 scan_trials=5 scan_idle=10 tree_idle=20 tree_runs=15 ml_rounds=2 tai_runs=3 tai_lines=1000000 exec_calls=1000 own_calls=1000 smtpd_lines=1000000
fi

# area NAME ENV...: run scripts/bench/NAME.sh, keep its output. Each runs
# in a session of its own: supervise.sh's clean-up ends with "kill -9 0"
# when the service is already down, which kills its process group.
area() {
	name=$1
	shift
	echo "== scripts/bench/$name.sh $*" >>"$log"
	env "$@" setsid -w sh "scripts/bench/$name.sh" >"$work/$name.out" 2>&1 ||
		echo "bench.sh: scripts/bench/$name.sh exited with status $? (its figures are used as far as they go)" >&2
	cat "$work/$name.out" >>"$log"
}
# exec.sh takes its calls as an argument.
area_exec() {
	echo "== scripts/bench/exec.sh $exec_calls" >>"$log"
	setsid -w sh scripts/bench/exec.sh "$exec_calls" >"$work/exec.out" 2>&1 ||
		echo "bench.sh: scripts/bench/exec.sh exited with status $?" >&2
	cat "$work/exec.out" >>"$log"
}

start=$(date +%s)
area supervise RUNS=$sup_runs
area backoff DURATION=$backoff_secs
area svscan TRIALS=$scan_trials IDLE=$scan_idle
area tree IDLE=$tree_idle RUNS=$tree_runs
area multilog ROUNDS=$ml_rounds
area tai64n RUNS=$tai_runs LINES=$tai_lines
area svwait RUNS=$wait_runs
area_exec

# rows.tsv: FIGURE <tab> OURS <tab> C <tab> BETTER (lower or higher).
rows=$work/rows.tsv
: >"$rows"
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$rows"; }

# supervise.sh: "FIGURE OURS C RATIO".
# (Only medians: the means follow the same runs.)
awk 'NF >= 4 && !/, mean/ && $NF ~ /^[0-9.]+$/ && $(NF-1) ~ /^[0-9.]+$/ && $(NF-2) ~ /^[0-9.]+$/ {
	n = ""; for (i = 1; i <= NF - 3; i++) n = n (i > 1 ? " " : "") $i
	printf "supervise: %s\t%s\t%s\tlower\n", n, $(NF-2), $(NF-1) }' "$work/supervise.out" >>"$rows"
# backoff.sh: "SERVICE: CPU % of one CPU OURS-BACKOFF OURS C" (a crash
# loop; C has no back-off, its column is 0.76's one-second pause).
awk -v secs="$backoff_secs" '/: CPU % of one CPU / && NF == 9 { s = $1; sub(/:$/, "", s)
	printf "supervise: crash loop (%s), CPU %% over %d s, 1 s pause\t%s\t%s\tlower\n", s, secs, $(NF-1), $NF
	printf "supervise: crash loop (%s), CPU %% over %d s, ours with restart-backoff\t%s\t%s\tlower\n", s, secs, $(NF-2), $NF }' \
	"$work/backoff.out" >>"$rows"
# svscan.sh: "FIGURE C OURS" (C first).
awk '/^(pickup|[0-9]+ services|svscan CPU)/ && !/supervise processes/ && $NF ~ /^[0-9.]+$/ {
	n = ""; for (i = 1; i <= NF - 2; i++) n = n (i > 1 ? " " : "") $i
	printf "svscan: %s\t%s\t%s\tlower\n", n, $NF, $(NF-1) }' "$work/svscan.out" >>"$rows"
# svscan + supervise memory, summed.
for n in 50 500; do
	awk -v n="$n" '$1 == n && $2 == "services:" && ($3 == "svscan" || ($3 == "all" && $5 == "RSS")) { c += $(NF-1); o += $NF }
		END { if (o) printf "svscan: %d services: svscan + all supervise RSS kB\t%d\t%d\tlower\n", n, o, c }' \
		"$work/svscan.out" >>"$rows"
done
# tree.sh: "N services, TREE TOTAL PERSERVICE SUPERVISORS" (PSS kB of
# svscan and its supervise processes; TREE: C, ours default mode, ours
# inprocess mode); "PSS growth ...: C X, default Y, inprocess Z"; and
# "FIGURE DEFAULT INPROCESS RATIO" for its latencies (both modes ours: no
# C column).
awk '$1 ~ /^[0-9]+$/ && $2 == "services," && NF >= 6 && $(NF-2) ~ /^[0-9]+$/ {
	if (!($1 in seen)) { seen[$1] = 1; ns[++k] = $1 }
	if ($3 == "C") c[$1] = $(NF-2); else if (/default mode/) d[$1] = $(NF-2); else if (/inprocess mode/) p[$1] = $(NF-2) }
	/^PSS growth from 100 to 1000 services/ { for (i = 1; i < NF; i++) { v = $(i+1); sub(/,$/, "", v); g[$i] = v } }
	/^(kill-to-restart|svc -d to status down) / && NF >= 4 && $(NF-1) ~ /^[0-9.]+$/ {
		n = ""; for (i = 1; i <= NF - 3; i++) n = n (i > 1 ? " " : "") $i
		l[++m] = n; ld[m] = $(NF-2); lp[m] = $(NF-1) }
	END {
		for (i = 1; i <= k; i++) {
			n = ns[i]
			if (n in d) printf "tree: %d services, PSS kB of svscan + supervise, default mode\t%s\t%s\tlower\n", n, d[n], c[n] + 0 ? c[n] : "-"
			if (n in p) printf "tree: %d services, PSS kB of svscan, inprocess mode\t%s\t%s\tlower\n", n, p[n], c[n] + 0 ? c[n] : "-"
		}
		if ("default" in g) printf "tree: PSS kB per added service (100 to 1000), default mode\t%s\t%s\tlower\n", g["default"], g["C"]
		if ("inprocess" in g) printf "tree: PSS kB per added service (100 to 1000), inprocess mode\t%s\t%s\tlower\n", g["inprocess"], g["C"]
		for (i = 1; i <= m; i++) {
			printf "tree: %s ms, 10 services, default mode\t%s\t-\tlower\n", l[i], ld[i]
			printf "tree: %s ms, 10 services, inprocess mode\t%s\t-\tlower\n", l[i], lp[i]
		} }' "$work/tree.out" >>"$rows"
# multilog.sh: "FIGURE OURS C RATIOx OURSRSS KB CRSS KB".
awk '$NF == "KB" && $(NF-4) ~ /x$/ {
	n = ""; for (i = 1; i <= NF - 7; i++) n = n (i > 1 ? " " : "") $i
	printf "multilog %s: MB/s\t%s\t%s\thigher\n", n, $(NF-6), $(NF-5)
	printf "multilog %s: peak RSS kB\t%s\t%s\tlower\n", n, $(NF-3), $(NF-1) }' "$work/multilog.out" >>"$rows"
# tai64n.sh: "PROGRAM OURS C RATIOx".
awk '($1 == "tai64n" || $1 == "tai64nlocal") && $NF ~ /x$/ {
	printf "%s: MB/s\t%s\t%s\thigher\n", $1, $2, $3 }' "$work/tai64n.out" >>"$rows"
# svwait.sh: "FIGURE OURS S6 RATIO"; its other column is s6-svwait's, on
# s6-supervise (daemontools has no such program).
awk '/^ready to return/ && $NF ~ /^[0-9.]+$/ {
	n = ""; for (i = 1; i <= NF - 3; i++) n = n (i > 1 ? " " : "") $i
	printf "svwait -U: %s (other column: s6-svwait)\t%s\t%s\tlower\n", n, $(NF-2), $(NF-1) }' "$work/svwait.out" >>"$rows"
# exec.sh: "empty Go exec wrapper: MS ms over /bin/true" (no C figure);
# "TOOL ARGS /bin/true OURS C RATIO OURSCALL / CCALL", ms over /bin/true;
# "TOOL: MS ms over the empty exec wrapper, ..." (the owner's target;
# fghack's is over the empty fork-and-wait wrapper).
awk '/^empty Go exec wrapper: / { printf "exec: empty Go exec wrapper over /bin/true, ms\t%s\t-\tlower\n", $5 }' "$work/exec.out" >>"$rows"
awk 'NF >= 8 && $(NF-1) == "/" && $(NF-6) == "/bin/true" {
	printf "exec: %s over /bin/true, ms\t%s\t%s\tlower\n", $1, $(NF-5), $(NF-4) }' "$work/exec.out" >>"$rows"
awk '/ ms over the empty (exec|fork-and-wait) wrapper, / { sub(/:$/, "", $1)
	printf "exec: %s over the empty Go %s wrapper, ms\t%s\t-\tlower\n", $1, $7, $2 }' "$work/exec.out" >>"$rows"

# --- figures no area script has -------------------------------------------
# A C supervise on a sleeping service: neutral ground for both svstat,
# svok and svc builds.
mkdir -p "$work/sv"
printf '#!/bin/sh\nexec sleep 100000\n' >"$work/sv/run"
chmod +x "$work/sv/run"
/usr/bin/supervise "$work/sv" 2>>"$log" &
svpid=$!
n=0
until /usr/bin/svok "$work/sv" && [ "$(od -An -tu1 -j12 -N4 "$work/sv/supervise/status" | tr -d ' ')" != 0000 ]; do
	n=$((n + 1))
	[ "$n" -lt 1000 ] || { echo "bench.sh: supervise did not start" >&2; exit 111; }
	sleep 0.01
done
sleep 1.2 # supervise's pause after a start

python3 - "$work" "$own_calls" >>"$rows" <<'EOF'
import os, sys, time
work, calls = sys.argv[1], int(sys.argv[2])
sv, ours = work + '/sv', work + '/bin/'
null = os.open(os.devnull, os.O_WRONLY)

def call(argv):
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, {}, file_actions=[(os.POSIX_SPAWN_DUP2, null, 1)])
    os.waitpid(pid, 0)
    return time.perf_counter_ns() - t0

def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] / 1e6

# Exec cost over /bin/true, the builds alternating call by call, with the
# empty Go program (the owner's baseline: at most 0.2 ms more, or 10% of
# its per-call time where that is more) in the same alternation.
figs = {'svstat': [sv], 'svok': [sv]}
t = {k: [] for k in ['true', 'empty'] + [f + b for f in figs for b in ('C', 'ours')]}
for i in range(calls):
    t['true'].append(call(['/bin/true']))
    t['empty'].append(call([ours + 'empty']))
    for f, args in figs.items():
        order = [('C', '/usr/bin/'), ('ours', ours)]
        if i % 2:
            order.reverse()
        for b, d in order:
            t[f + b].append(call([d + f] + args))
base, empty = median(t['true']), median(t['empty'])
print('exec: empty Go program over /bin/true, ms\t%.3f\t-\tlower' % (empty - base))
for f in figs:
    print('exec: %s DIR over /bin/true, ms\t%.3f\t%.3f\tlower' % (f, median(t[f + 'ours']) - base, median(t[f + 'C']) - base))
for f in figs:
    print('exec: %s DIR over the empty Go program, ms\t%.3f\t-\tlower' % (f, median(t[f + 'ours']) - empty))

# svc round trip: from starting "svc -p" (or -c) to the paused byte of
# supervise/status changing, against the same C supervise.
def paused():
    with open(sv + '/supervise/status', 'rb') as f:
        return f.read()[16]

def trip(svc, cmd, want):
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(svc, [svc, cmd, sv], {})
    deadline = time.monotonic() + 10
    while paused() != want and time.monotonic() < deadline:
        pass
    t1 = time.perf_counter_ns()
    os.waitpid(pid, 0)
    return t1 - t0

rt = {'C': [], 'ours': []}
for i in range(max(calls // 10, 20)):
    for b, d in (('C', '/usr/bin/'), ('ours', ours)) if i % 2 else (('ours', ours), ('C', '/usr/bin/')):
        rt[b].append(trip(d + 'svc', '-p', 1))
        rt[b].append(trip(d + 'svc', '-c', 0))
print('svc round trip (svc -p/-c to status), ms\t%.3f\t%.3f\tlower' % (median(rt['ours']), median(rt['C'])))
EOF
/usr/bin/svc -dx "$work/sv"
wait "$svpid" 2>/dev/null || :
svpid=

# multilog on the HOW-TO's qmail-smtpd script (tcpserver + recordio
# lines; s200000 for ./main and ./tcp), best of the rounds, alternating.
awk -v n="$smtpd_lines" 'BEGIN {
	srand(2)
	k[0] = "tcpserver: status: 3/40"
	k[1] = "tcpserver: pid 12345 from 192.0.2.7"
	k[2] = "tcpserver: ok 12345 mx.example.org:192.0.2.1:25 :192.0.2.7::51234"
	k[3] = "12345 > 220 mx.example.org ESMTP"
	k[4] = "12345 < EHLO client.example.com"
	k[5] = "12345 < MAIL FROM:<someone@example.org>"
	k[6] = "12345 < RCPT TO:<user@example.com>"
	k[7] = "12345 > 250 ok"
	k[8] = "12345 < DATA"
	k[9] = "12345 < QUIT"
	k[10] = "12345 > 354 go ahead"
	k[11] = "tcpserver: end 12345 status 0"
	for (i = 0; i < n; i++) printf "%s %d\n", k[int(rand() * 12)], i
}' >"$work/smtpd.in"
smtpd() { # smtpd MULTILOG: seconds for one run in a fresh directory
	rm -rf "$work/ml" && mkdir "$work/ml"
	t0=$(date +%s%N)
	(cd "$work/ml" && "$1" t '-* * > *' '-* * < *' s200000 ./main '-*' \
		'+* * < HELO *' '+* * < EHLO *' '+* * < MAIL *' '+* * < RCPT *' '+* * < DATA*' \
		'+* * < QUIT*' '+* * < RSET*' '+* * < NOOP*' '+* * > 1*' '+* * > 2*' '+* * > 3*' \
		'+* * > 4*' '+* * > 5*' s200000 ./tcp '-*' '+* * status: *' =status <"$work/smtpd.in")
	echo $(($(date +%s%N) - t0))
}
best_o= best_c=
i=0
while [ "$i" -lt "$ml_rounds" ]; do
	o=$(smtpd "$work/bin/multilog") c=$(smtpd /usr/bin/multilog)
	[ -z "$best_o" ] || [ "$o" -lt "$best_o" ] && best_o=$o
	[ -z "$best_c" ] || [ "$c" -lt "$best_c" ] && best_c=$c
	i=$((i + 1))
done
bytes=$(wc -c <"$work/smtpd.in")
awk -v b="$bytes" -v o="$best_o" -v c="$best_c" 'BEGIN {
	printf "multilog qmail-smtpd (HOW-TO 4.2): MB/s\t%.1f\t%.1f\thigher\n", b / o * 1e3, b / c * 1e3 }' >>"$rows"

# --- the table ------------------------------------------------------------
elapsed=$(($(date +%s) - start))
{
	echo "| figure | ours | C 0.76 | ours/C | better |"
	echo "|---|---:|---:|---:|---|"
	awk -F '\t' '{
		r = ($3 + 0) ? sprintf($2 / $3 < 0.1 ? "%.4f" : "%.2f", $2 / $3) : "-"
		printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, r, $4 }' "$rows"
	echo
	echo "Debian's C build in /usr/bin against ours (static, stripped)," \
		"$(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg) at the end;" \
		"$( [ "$QUICK" = 1 ] && echo "QUICK run" || echo "full run" ), ${elapsed} s, $(date -u +%Y-%m-%dT%H:%MZ)."
} >"$work/table.md"
cat "$work/table.md"
[ -z "$out" ] || cp "$work/table.md" "$out"
