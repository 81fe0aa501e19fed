#!/bin/sh
# Separate binaries or one multi-call binary? Builds every program under
# cmd/ both ways (CGO_ENABLED=0 -trimpath -ldflags='-s -w'), the multi-call
# one from a generated main package that renames each cmd/<prog>/main.go's
# main to main_<prog> and dispatches on the base name of argv[0]. Then
# measures, side by side with Debian's C build:
#   - exec time per call: CALLS runs of "svok DIR" (DIR has no supervise/,
#     so it exits 100 at once) from a sh loop, minus the same loop's
#     overhead measured with the shell builtin ":";
#   - memory of a sleeping process (tai64n waiting on an empty pipe, and
#     supervise with a sleeping service): VmRSS, RssAnon, RssFile;
#   - PSS of a small fleet: COPIES supervise + COPIES tai64n at once, the
#     way a service tree runs one supervise and one logger per service;
#   - install size.
# Not a pass/fail test.
set -eu
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"
CALLS=${CALLS:-2000}
COPIES=${COPIES:-10}

work=$(mktemp -d)
# The multi-call main must sit inside the module to import internal/.
# Go's ./... patterns skip directories starting with "_".
multi=$(mktemp -d ./_multicall.XXXXXX)
pids=""
cleanup() {
	for p in $pids $(cat "$work/children" 2>/dev/null); do kill "$p" 2>/dev/null || :; done
	rm -rf "$work" "$multi"
}
trap cleanup EXIT INT TERM

build="go build -trimpath -ldflags=-s -ldflags=-w"
export CGO_ENABLED=0

# --- build both ways ------------------------------------------------------
progs=$(cd cmd && ls -d */ | tr -d /)
mkdir -p "$work/sep" "$work/multi"
$build -o "$work/sep/" ./cmd/...
# //go:debug settings may appear once per package: the union goes here.
{
	for p in $progs; do grep '^//go:debug' "cmd/$p/main.go" || :; done | sort -u
	echo 'package main'
	echo 'import ("os"; "path/filepath")'
	echo 'func main() {'
	echo '	switch filepath.Base(os.Args[0]) {'
	for p in $progs; do
		echo "	case \"$p\": main_$p()"
	done
	printf '%s\n' '	default: os.Stderr.WriteString("multicall: unknown program name\n"); os.Exit(100)'
	echo '	}'
	echo '}'
} >"$multi/dispatch.go"
for p in $progs; do
	sed -e "s/^func main() /func main_$p() /" -e '/^\/\/go:debug/d' "cmd/$p/main.go" >"$multi/$p.go"
done
$build -o "$work/multi/daemontools" "./$multi"
for p in $progs; do ln -s daemontools "$work/multi/$p"; done

nprogs=$(echo $progs | wc -w)
kib() { du -k "$@" | awk '{ s += $1 } END { print s }'; }
echo "programs built: $nprogs ($(echo $progs))"
echo
printf '%-28s %10s\n' "install size" "KiB"
printf '%-28s %10s\n' "separate binaries" "$(kib "$work"/sep/*)"
printf '%-28s %10s\n' "multi-call binary" "$(kib "$work/multi/daemontools")"
printf '%-28s %10s\n' "one separate: svok" "$(kib "$work/sep/svok")"
printf '%-28s %10s\n' "one separate: supervise" "$(kib "$work/sep/supervise")"
c=""
for p in $progs; do [ -e "/usr/bin/$p" ] && c="$c /usr/bin/$p"; done
printf '%-28s %10s\n' "C build (same programs)" "$(kib $c)"

# --- exec time ------------------------------------------------------------
# Wall time suffers from other load on the machine; CPU time (user+sys of
# the loop and its children) much less, so both are shown. Each figure is
# the best of ROUNDS rounds, the variants alternating within a round.
ROUNDS=${ROUNDS:-3}
svc_dir=$work/svc
mkdir -p "$svc_dir"
loop() { # loop BIN: "wall user sys" seconds for CALLS runs of BIN DIR
	/usr/bin/time -f '%e %U %S' -o "$work/time" sh -c '
		i=0
		while [ "$i" -lt "$1" ]; do "$2" "$3" || :; i=$((i + 1)); done' \
		loop "$CALLS" "$1" "$svc_dir" 2>/dev/null
	cat "$work/time"
}
variants="base:: C:/usr/bin/svok separate:$work/sep/svok multi-call:$work/multi/svok"
round=0
while [ "$round" -lt "$ROUNDS" ]; do
	for v in $variants; do
		name=${v%%:*} bin=${v#*:}
		loop "$bin" | awk -v f="$work/exec.$name" '{
			wall = $1; cpu = $2 + $3
			if ((getline line < f) > 0) { split(line, b, " "); if (b[1] < wall) wall = b[1]; if (b[2] < cpu) cpu = b[2] }
			close(f); print wall, cpu > f }'
	done
	round=$((round + 1))
done
echo
printf '%-28s %10s %10s\n' "exec (svok, $CALLS calls)" "wall us" "CPU us"
read bwall bcpu <"$work/exec.base"
for v in $variants; do
	name=${v%%:*}
	[ "$name" = base ] && continue
	read wall cpu <"$work/exec.$name"
	awk -v n="$name" -v w="$wall" -v c="$cpu" -v bw="$bwall" -v bc="$bcpu" -v calls="$CALLS" \
		'BEGIN { printf "%-28s %10.0f %10.0f\n", n, (w - bw) / calls * 1e6, (c - bc) / calls * 1e6 }'
done

# --- memory of a sleeping process -----------------------------------------
# asleep PID: wait until the process is blocked and has settled.
asleep() {
	tries=0 last=""
	while [ "$tries" -lt 500 ]; do
		st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || echo gone)
		[ "$st" = gone ] && { echo "process $1 died" >&2; return 1; }
		[ "$st" = S ] && [ "$(grep VmRSS "/proc/$1/status")" = "$last" ] && return 0
		last=$(grep VmRSS "/proc/$1/status" 2>/dev/null || :)
		tries=$((tries + 1))
		sleep 0.02
	done
}
field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

mkfifo "$work/fifo"
exec 3<>"$work/fifo" # holds the pipe open so tai64n blocks in read
start_tai64n() { "$1" <"$work/fifo" >/dev/null & echo $!; }
n=0
# start_supervise BIN N: supervise on service N, whose ./run records its
# pid in $work/children so that the services can be killed at the end.
start_supervise() {
	d=$work/service$2
	mkdir -p "$d"
	printf '#!/bin/sh\necho $$ >>%s/children\nexec sleep 100000\n' "$work" >"$d/run"
	chmod +x "$d/run"
	"$1" "$d" >/dev/null 2>&1 &
	echo $!
}

echo
printf '%-28s %10s %10s %10s\n' "sleeping process (KiB)" VmRSS RssAnon RssFile
for prog in tai64n supervise; do
	for v in "C /usr/bin/$prog" "separate $work/sep/$prog" "multi-call $work/multi/$prog"; do
		name=${v%% *} bin=${v#* }
		n=$((n + 1))
		pid=$(start_$prog "$bin" "$n")
		pids="$pids $pid"
		asleep "$pid" || :
		printf '%-28s %10s %10s %10s\n' "$prog $name" "$(field "$pid" VmRSS)" "$(field "$pid" RssAnon)" "$(field "$pid" RssFile)"
		kill "$pid" || :
	done
done
kill_started() { for p in $pids; do kill "$p" 2>/dev/null || :; done; pids=""; }
kill_started

# --- PSS of a fleet -------------------------------------------------------
pss() { awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup"; }
echo
printf '%-28s %10s\n' "fleet: $COPIES supervise + $COPIES tai64n" "PSS KiB"
for v in "C /usr/bin" "separate $work/sep" "multi-call $work/multi"; do
	name=${v%% *} dir=${v#* }
	fleet=""
	k=0
	while [ "$k" -lt "$COPIES" ]; do
		n=$((n + 1))
		fleet="$fleet $(start_supervise "$dir/supervise" "$n") $(start_tai64n "$dir/tai64n")"
		k=$((k + 1))
	done
	pids="$fleet"
	total=0
	for p in $fleet; do
		asleep "$p" || :
	done
	for p in $fleet; do
		total=$((total + $(pss "$p")))
	done
	printf '%-28s %10s\n' "$name" "$total"
	kill_started
done
echo "(services' own sleep processes excluded; load: $(cut -d' ' -f1-3 /proc/loadavg))"
