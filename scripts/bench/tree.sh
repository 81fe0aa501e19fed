#!/bin/sh
# A whole tree of services, three ways: Debian's C svscan with the C
# supervise, ours in its default mode (our svscan, a supervise process of
# ours per service), and ours with SVSCAN_MODE=inprocess (svscan itself
# supervises every service; no supervise processes). Not a pass/fail
# test; the figures depend on the machine and its load. For N = 10, 100
# and 1000 services (./run: "exec sleep 100000"; no loggers), each tree
# on its own:
#   PSS kB                 the Pss of /proc/PID/smaps_rollup summed over the
#                          scanner and its supervisors (its supervise
#                          children; none in inprocess mode), IDLE seconds
#                          (default 20; 5 with QUICK=1) after every service
#                          is up (its supervise/status shows a pid): the
#                          sleep processes are services, and not counted;
#                          the total and the total / N
#   growth                 kB per added service from 100 to 1000 services;
#                          the goal: 1000 services in inprocess mode at most
#                          20000 kB (20 kB a service)
# and, in the same run, on two trees of 10 services running side by side
# (ours in default mode, ours in inprocess mode), measured in alternation,
# RUNS trials each (default 15; 5 with QUICK=1), medians:
#   kill-to-restart ms     from kill -9 of a service's pid (as
#                          supervise/status gives it) to supervise/status
#                          showing a new non-zero pid
#   svc -d to status ms    from starting "svc -d" (ours) to
#                          supervise/status showing pid 0 (then svc -u, and
#                          up again before the next trial)
# A trial waits until 1.15 s after the service's last start (supervise
# pauses 1 s after each start). The goal: inprocess within 1.2x of the
# default mode. Every tree is stopped (svc -d on every service, svscan
# killed, svc -x on what supervise processes are left, then whatever
# still has its cwd under the tree; svc -dx first would let svscan start
# an exited supervise again) and gone before the next.
#
#   sh scripts/bench/tree.sh              (IDLE=20 RUNS=15 by default)
set -eu
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"
if [ "${QUICK:-0}" = 1 ]; then
	IDLE=${IDLE:-5} RUNS=${RUNS:-5}
else
	IDLE=${IDLE:-20} RUNS=${RUNS:-15}
fi
SIZES="10 100 1000"
for p in /usr/bin/svscan /usr/bin/supervise; do
	[ -x "$p" ] || { echo "tree.sh: $p missing (apt-get install daemontools)" >&2; exit 111; }
done
# Our inprocess svscan holds about 5 descriptors a service. (ulimit -n and
# -H: dash and bash have them.)
# shellcheck disable=SC3045
ulimit -n "$(ulimit -Hn)" 2>/dev/null || :
# shellcheck disable=SC3045
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 6000 ] ||
	echo "tree.sh: ulimit -n is $(ulimit -n): too low for 1000 services in inprocess mode" >&2

work=$(cd "$(mktemp -d)" && pwd -P)
cleanup() {
	for f in "$work"/*.pid; do
		[ -f "$f" ] && stop_tree "${f%.pid}"
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sh scripts/build.sh "$work/bin" ./cmd/svscan ./cmd/supervise ./cmd/svc ./cmd/svstat
mkdir -p "$work/path-C" "$work/path-ours"
ln -s /usr/bin/supervise "$work/path-C/supervise"
ln -s "$work/bin/supervise" "$work/path-ours/supervise"

# under DIR: "PID COMM" for every process whose cwd is DIR or below it.
under() {
	python3 - "$1" <<'EOF'
import os, sys
d = sys.argv[1]
for p in os.listdir('/proc'):
    if not p.isdigit():
        continue
    try:
        c = os.readlink('/proc/%s/cwd' % p)
        comm = open('/proc/%s/comm' % p).read().strip()
    except OSError:
        continue
    if c == d or c.startswith(d + '/'):
        print(p, comm)
EOF
}

# children PID: the pids of PID's children.
children() { cat /proc/"$1"/task/*/children 2>/dev/null || :; }

# up_count DIR: how many services of DIR are up (pid in supervise/status).
up_count() { "$work/bin/svstat" "$1"/s* 2>/dev/null | grep -c ': up (pid ' || :; }

# wait_until SECONDS CONDITION: poll every 0.1 s until the shell condition
# holds; false at the deadline. (CONDITION sees the caller's variables,
# not its arguments.)
wait_until() {
	_w=0
	until eval "$2"; do
		_w=$((_w + 1))
		[ "$_w" -lt $(($1 * 10)) ] || return 1
		sleep 0.1
	done
}

# make_services DIR N: N services sleeping, no loggers.
make_services() {
	mkdir -p "$1"
	i=0
	while [ "$i" -lt "$2" ]; do
		mkdir "$1/s$i"
		printf '#!/bin/sh\nexec sleep 100000\n' >"$1/s$i/run"
		i=$((i + 1))
	done
	chmod +x "$1"/s*/run
}

# start_tree TREE DIR: svscan on DIR in a session of its own, for TREE
# C, default or inprocess; DIR.pid holds its pid, DIR.err its stderr.
start_tree() {
	case $1 in
	C) bin=/usr/bin/svscan path=$work/path-C mode= ;;
	default) bin=$work/bin/svscan path=$work/path-ours mode= ;;
	inprocess) bin=$work/bin/svscan path=$work/path-ours mode=inprocess ;;
	esac
	if [ -n "$mode" ]; then
		PATH="$path:/usr/bin:/bin" SVSCAN_MODE=$mode setsid "$bin" "$2" 2>"$2.err" &
	else
		PATH="$path:/usr/bin:/bin" setsid "$bin" "$2" 2>"$2.err" &
	fi
	echo $! >"$2.pid"
}

# stop_tree DIR: svc -d every service; once they are down, svscan killed
# (so that it starts nothing again), svc -x to the supervise processes
# left, and then whatever is still under DIR killed; returns when all are
# gone.
# shellcheck disable=SC2016,SC2046
stop_tree() {
	st_dir=$1
	st_pid=$(cat "$st_dir.pid" 2>/dev/null || :)
	"$work/bin/svc" -d "$st_dir"/s* 2>/dev/null || :
	wait_until 30 '! under "$st_dir" | grep " sleep$" >/dev/null' ||
		echo "tree.sh: services of $st_dir still running 30 s after svc -d" >&2
	if [ -n "$st_pid" ]; then
		kill -9 "$st_pid" 2>/dev/null || :
		wait "$st_pid" 2>/dev/null || :
	fi
	"$work/bin/svc" -x "$st_dir"/s* 2>/dev/null || :
	wait_until 10 '[ -z "$(under "$st_dir")" ]' ||
		wait_until 30 '[ -z "$(under "$st_dir")" ] || { kill -9 $(under "$st_dir" | cut -d" " -f1) 2>/dev/null; false; }' || {
		echo "tree.sh: processes left under $st_dir:" $(under "$st_dir") >&2
		return 1
	}
	rm -f "$st_dir.pid"
}

# wait_up DIR N: until the N services of DIR are up (deadline 120 s).
# shellcheck disable=SC2016
wait_up() {
	wu_dir=$1 wu_n=$2
	wait_until 120 '[ "$(up_count "$wu_dir")" -ge "$wu_n" ]' || {
		echo "tree.sh: only $(up_count "$wu_dir") of $wu_n services up in $wu_dir after 120 s" >&2
		exit 1
	}
}

# memory TREE N: writes "TOTAL SUPERVISORS" into $work/mem-TREE-N: PSS
# kB over svscan and its supervise children, IDLE seconds after the N
# services are up, and how many supervise children.
memory() {
	m_dir="$work/$1-$2"
	cp -a "$work/template-$2" "$m_dir"
	start_tree "$1" "$m_dir"
	wait_up "$m_dir" "$2"
	sleep "$IDLE"
	m_pid=$(cat "$m_dir.pid")
	[ "$(cat /proc/"$m_pid"/comm)" = svscan ] || { echo "tree.sh: $m_pid is not svscan" >&2; exit 1; }
	files=/proc/$m_pid/smaps_rollup
	sups=0
	for k in $(children "$m_pid"); do
		[ "$(cat /proc/"$k"/comm 2>/dev/null)" = supervise ] || continue
		files="$files /proc/$k/smaps_rollup"
		sups=$((sups + 1))
	done
	# shellcheck disable=SC2086
	total=$(awk '/^Pss:/ { s += $2 } END { print s }' $files)
	up=$(up_count "$m_dir")
	[ "$up" -ge "$2" ] || echo "tree.sh: $1, $2 services: only $up up at the measurement" >&2
	stop_tree "$m_dir"
	rm -rf "$m_dir"
	echo "$total $sups" >"$work/mem-$1-$2"
}

for n in $SIZES; do
	make_services "$work/template-$n" "$n"
	for t in C default inprocess; do
		memory "$t" "$n"
	done
done

# Latency: both modes of ours at once, 10 services each.
for t in default inprocess; do
	cp -a "$work/template-10" "$work/lat-$t"
	start_tree "$t" "$work/lat-$t"
done
for t in default inprocess; do wait_up "$work/lat-$t" 10; done
python3 - "$work/bin/svc" "$RUNS" "$work/lat-default/s0" "$work/lat-inprocess/s0" >"$work/latency" <<'EOF'
import os, sys, time
svc, runs, dirs = sys.argv[1], int(sys.argv[2]), {'default': sys.argv[3], 'inprocess': sys.argv[4]}

def pid(sv):
    with open(sv + '/supervise/status', 'rb') as f:
        b = f.read()
    return int.from_bytes(b[12:16], 'little') if len(b) == 18 else 0

def until(cond, what):
    deadline = time.monotonic() + 10
    while not cond():
        if time.monotonic() > deadline:
            sys.exit('tree.sh: timeout: ' + what)
        time.sleep(0.0002)
    return time.monotonic()

started = {m: time.monotonic() for m in dirs}

def settle(m):
    # supervise pauses 1 s after each start.
    wait = started[m] + 1.15 - time.monotonic()
    if wait > 0:
        time.sleep(wait)

def kill_restart(m):
    sv = dirs[m]
    settle(m)
    old = pid(sv)
    t0 = time.monotonic()
    os.kill(old, 9)
    t1 = until(lambda: pid(sv) not in (0, old), 'restart in ' + sv)
    started[m] = t1
    return (t1 - t0) * 1000

def down(m):
    sv = dirs[m]
    settle(m)
    t0 = time.monotonic()
    p = os.posix_spawn(svc, [svc, '-d', sv], {})
    t1 = until(lambda: pid(sv) == 0, 'down in ' + sv)
    os.waitpid(p, 0)
    return (t1 - t0) * 1000

def up(m):
    sv = dirs[m]
    p = os.posix_spawn(svc, [svc, '-u', sv], {})
    os.waitpid(p, 0)
    started[m] = until(lambda: pid(sv) != 0, 'up in ' + sv)

t = {(m, f): [] for m in dirs for f in ('kill', 'down')}
for i in range(runs):
    order = ['default', 'inprocess'] if i % 2 == 0 else ['inprocess', 'default']
    for m in order:
        t[m, 'kill'].append(kill_restart(m))
    for m in order:
        t[m, 'down'].append(down(m))
    for m in order:
        up(m)

def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2

for f in ('kill', 'down'):
    d, p = median(t['default', f]), median(t['inprocess', f])
    print(f, '%.2f %.2f %.2f' % (d, p, p / d), file=sys.stdout)
    for m in dirs:
        print('trials', f, m, ' '.join('%.2f' % x for x in t[m, f]))
EOF
for t in default inprocess; do stop_tree "$work/lat-$t"; done

# --- the report -------------------------------------------------------------
field() { echo "$1" | awk -v f="$2" '{print $f}'; }
printf '%-46s %10s %14s %12s\n' "PSS, ${IDLE} s after all services are up" "total kB" "per service kB" supervisors
for n in $SIZES; do
	for t in C default inprocess; do
		case $t in
		C) label="C svscan + supervise" ;;
		default) label="ours, default mode" ;;
		inprocess) label="ours, inprocess mode" ;;
		esac
		m=$(cat "$work/mem-$t-$n")
		awk -v n="$n" -v l="$label" -v tot="$(field "$m" 1)" -v s="$(field "$m" 2)" 'BEGIN {
			printf "%-46s %10d %14.1f %12d\n", n " services, " l, tot, tot / n, s }'
	done
done
growth() { # growth TREE: kB per added service from 100 to 1000 services
	a=$(cat "$work/mem-$1-100") b=$(cat "$work/mem-$1-1000")
	awk -v a="$(field "$a" 1)" -v b="$(field "$b" 1)" 'BEGIN { printf "%.1f", (b - a) / 900 }'
}
echo "PSS growth from 100 to 1000 services, kB per added service:" \
	"C $(growth C), default $(growth default), inprocess $(growth inprocess)"
pss=$(field "$(cat "$work/mem-inprocess-1000")" 1)
if [ "$pss" -le 20000 ]; then verdict=met; else verdict="NOT met"; fi
echo "target (1000 services inprocess, at most 20000 kB PSS): $pss kB, $verdict"
echo
printf '%-46s %10s %10s %8s\n' "latency, 10 services, median of $RUNS, ms" default inprocess ratio
awk '$1 == "kill" { printf "%-46s %10.2f %10.2f %8.2f\n", "kill-to-restart", $2, $3, $4 }
	$1 == "down" { printf "%-46s %10.2f %10.2f %8.2f\n", "svc -d to status down", $2, $3, $4 }' "$work/latency"
awk '$1 == "kill" || $1 == "down" { n++; if ($4 <= 1.2) ok++ }
	END { printf "target (inprocess within 1.2x of default): %s\n", n && ok == n ? "met" : "NOT met" }' "$work/latency"
echo
echo "latency trials (ms):"
awk '$1 == "trials" { printf "  %-28s", ($2 == "kill" ? "kill-to-restart" : "svc -d to down") ", " $3 ":"
	for (i = 4; i <= NF; i++) printf " %s", $i; printf "\n" }' "$work/latency"
echo "(load: $(cut -d' ' -f1-3 /proc/loadavg))"
for f in "$work"/*.err; do
	[ -s "$f" ] || continue
	echo "stderr of svscan on $(basename "$f" .err):"
	cat "$f"
done
