#!/bin/sh
# svscan side by side: Debian's C svscan with the C supervise, and ours
# with our supervise. Prints:
#   - pickup latency: "ln -s /path/to/foo DIR/foo" to a "supervise foo"
#     child of svscan running (TRIALS trials spread over the five-second
#     scan cycle; C only finds it at its next scan);
#   - svscan's RSS and the RSS and PSS summed over all supervise processes,
#     for 50 and 500 services of which half are logged (so 75 and 750
#     supervise processes);
#   - svscan's CPU time (all threads, from schedstat) over IDLE seconds
#     with nothing happening, for the same 50 and 500 services (the issue's
#     tree: 500 services, 250 of them logged).
# Not a pass/fail test: the figures depend on the machine and its load.
#
#   sh scripts/bench/svscan.sh            (TRIALS=5 IDLE=10 by default)
set -eu
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"
TRIALS=${TRIALS:-5}
IDLE=${IDLE:-10}
work=$(mktemp -d)
scanpid=""
cleanup() {
	for p in $(cat "$work/pids" 2>/dev/null); do
		[ -d /proc/"$p" ] && stop_tree "$p"
	done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

sh scripts/build.sh "$work/ours" ./cmd/svscan ./cmd/supervise
mkdir -p "$work/path-C" "$work/path-ours"
ln -s /usr/bin/supervise "$work/path-C/supervise"
ln -s "$work/ours/supervise" "$work/path-ours/supervise"

# children PID: the pids of PID's children.
children() { cat /proc/"$1"/task/*/children 2>/dev/null || :; }

# stop_tree PID: kill svscan and everything below it.
stop_tree() {
	kids=$(children "$1")
	grand=""
	for k in $kids; do grand="$grand $(children "$k")"; done
	kill -9 "$1" $kids $grand 2>/dev/null || :
	wait "$1" 2>/dev/null || :
	scanpid=""
}

# start_scan IMPL DIR: run svscan on DIR with IMPL's supervise.
start_scan() {
	if [ "$1" = C ]; then bin=/usr/bin/svscan; else bin="$work/ours/svscan"; fi
	PATH="$work/path-$1:/usr/bin:/bin" "$bin" "$2" 2>/dev/null &
	scanpid=$!
	echo "$scanpid" >>"$work/pids"
}

# make_services DIR N: N services sleeping, every other one logged.
make_services() {
	i=0
	while [ "$i" -lt "$2" ]; do
		d="$1/s$i"
		mkdir -p "$d"
		printf '#!/bin/sh\nexec sleep 100000\n' >"$d/run"
		chmod +x "$d/run"
		if [ $((i % 2)) = 0 ]; then
			mkdir "$d/log"
			printf '#!/bin/sh\nexec cat >/dev/null\n' >"$d/log/run"
			chmod +x "$d/log/run"
		fi
		i=$((i + 1))
	done
}

# wait_children PID N: until PID has N children (at most 60 s).
wait_children() {
	t=0
	while [ "$(children "$1" | wc -w)" -lt "$2" ] && [ "$t" -lt 600 ]; do
		sleep 0.1
		t=$((t + 1))
	done
}

# latency IMPL: median milliseconds from ln -s to supervise running.
latency() {
	scan="$work/lat-$1"
	mkdir -p "$scan"
	start_scan "$1" "$scan"
	sleep 1
	python3 - "$scanpid" "$scan" "$work/lat-$1-src" "$TRIALS" <<'EOF'
import os, sys, time
pid, scan, src, trials = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
def running(name):
    for task in os.listdir('/proc/%d/task' % pid):
        for c in open('/proc/%d/task/%s/children' % (pid, task)).read().split():
            try:
                argv = open('/proc/%s/cmdline' % c, 'rb').read().split(b'\0')
            except OSError:
                continue
            if argv[:2] == [b'supervise', name.encode()]:
                return True
    return False
times = []
for i in range(trials):
    d = '%s/foo%d' % (src, i)
    os.makedirs(d)
    with open(d + '/run', 'w') as f:
        f.write('#!/bin/sh\nexec sleep 100000\n')
    os.chmod(d + '/run', 0o755)
    # Spread the links over svscan's five-second cycle.
    time.sleep((i * 1.3) % 5)
    t0 = time.monotonic()
    os.symlink(d, '%s/foo%d' % (scan, i))
    while not running('foo%d' % i):
        time.sleep(0.0005)
    times.append((time.monotonic() - t0) * 1000)
times.sort()
print('%.1f' % times[len(times) // 2], ' '.join('%.1f' % t for t in times))
EOF
	stop_tree "$scanpid"
}

# memory IMPL N: svscan RSS, supervise RSS sum, supervise PSS sum (kB).
memory() {
	scan="$work/mem-$1-$2"
	mkdir -p "$scan"
	make_services "$scan" "$2"
	start_scan "$1" "$scan"
	wait_children "$scanpid" $(($2 + $2 / 2))
	sleep 2
	rss=$(awk '/^VmRSS/ {print $2}' /proc/"$scanpid"/status)
	srss=0
	spss=0
	for k in $(children "$scanpid"); do
		r=$(awk '/^VmRSS/ {print $2}' /proc/"$k"/status 2>/dev/null || echo 0)
		p=$(awk '/^Pss:/ {print $2}' /proc/"$k"/smaps_rollup 2>/dev/null || echo 0)
		srss=$((srss + r))
		spss=$((spss + p))
	done
	echo "$rss $srss $spss $(children "$scanpid" | wc -w)"
	idle_cpu "$1" "$2"
	stop_tree "$scanpid"
}

# cpu_ns PID: CPU time of all of PID's threads, in ns (schedstat).
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{t += $1} END {printf "%d", t}'; }

# idle_cpu IMPL N: svscan's CPU time over IDLE seconds, in ms.
idle_cpu() {
	before=$(cpu_ns "$scanpid")
	sleep "$IDLE"
	after=$(cpu_ns "$scanpid")
	awk -v d="$((after - before))" 'BEGIN {printf "%.2f\n", d / 1e6}' >"$work/idle-$1-$2"
}

printf '%-44s %16s %16s\n' "" "C 0.76" "ours"
for impl in C ours; do
	eval "lat_$impl=\"\$(latency $impl)\""
	for n in 50 500; do
		eval "mem_${impl}_$n=\"\$(memory $impl $n)\""
	done
done
field() { echo "$1" | awk -v f="$2" '{print $f}'; }
printf '%-44s %16s %16s\n' "pickup latency, median ms" "$(field "$lat_C" 1)" "$(field "$lat_ours" 1)"
for n in 50 500; do
	eval "c=\$mem_C_$n; o=\$mem_ours_$n"
	printf '%-44s %16s %16s\n' "$n services: supervise processes" "$(field "$c" 4)" "$(field "$o" 4)"
	printf '%-44s %16s %16s\n' "$n services: svscan RSS kB" "$(field "$c" 1)" "$(field "$o" 1)"
	printf '%-44s %16s %16s\n' "$n services: all supervise RSS kB" "$(field "$c" 2)" "$(field "$o" 2)"
	printf '%-44s %16s %16s\n' "$n services: all supervise PSS kB" "$(field "$c" 3)" "$(field "$o" 3)"
done
for n in 50 500; do
	printf '%-44s %16s %16s\n' "svscan CPU ms over ${IDLE} s idle ($n services)" "$(cat "$work/idle-C-$n")" "$(cat "$work/idle-ours-$n")"
done
echo
echo "latency trials (ms): C: $(echo "$lat_C" | cut -d' ' -f2-)"
echo "                  ours: $(echo "$lat_ours" | cut -d' ' -f2-)"
