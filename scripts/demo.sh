#!/bin/sh
# The demo: build every program into ./bin, lay out a small service tree in
# a temporary directory and run it under our svscan for a while:
#   clock     a logged service printing a line a second, logged by multilog
#   once      a service with a ./down file (normally down), started with svc -o
# It shows svstat, svok, the log through tai64nlocal, then stops the tree the
# way an init system does (SIGTERM to svscan: services first, then loggers).
#
# DEMO_SECONDS (default 8) sets how long the tree runs; DEMO_DIR keeps the
# tree in a directory of your choice instead of a temporary one.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
top=$(pwd)
bin="$top/bin"
seconds=${DEMO_SECONDS:-8}

echo "== building ./bin"
make -s build

dir=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/daemontools-go-demo.XXXXXX")}
mkdir -p "$dir/service" "$dir/clock/log" "$dir/once"

cat >"$dir/clock/run" <<'EOF'
#!/bin/sh
exec 2>&1
trap 'echo "clock: got TERM, last words"; exit 0' TERM
n=0
while :; do
	n=$((n + 1))
	echo "clock: tick $n"
	sleep 1 &
	wait $!
done
EOF
cat >"$dir/clock/log/run" <<'EOF'
#!/bin/sh
exec multilog t s4096 n3 ./main
EOF
cat >"$dir/once/run" <<'EOF'
#!/bin/sh
echo "once: ran at $(date)" >>./ran
exec sleep 3600
EOF
touch "$dir/once/down"
chmod 755 "$dir/clock/run" "$dir/clock/log/run" "$dir/once/run"
ln -s "$dir/clock" "$dir/service/clock"
ln -s "$dir/once" "$dir/service/once"

echo "== svscan $dir/service (running ${seconds}s)"
env - PATH="$bin:/usr/bin:/bin" "$bin/svscan" "$dir/service" &
svscan_pid=$!
trap 'kill -TERM $svscan_pid 2>/dev/null || true' EXIT INT TERM

# Wait for both supervise processes to answer svok instead of sleeping.
i=0
until "$bin/svok" "$dir/service/clock" && "$bin/svok" "$dir/service/clock/log" &&
	"$bin/svok" "$dir/service/once"; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "demo: supervise did not come up" >&2; exit 1; }
	sleep 0.1
done

echo "== svc -o once   (run it once although it is normally down)"
"$bin/svc" -o "$dir/service/once"

elapsed=0
while [ "$elapsed" -lt "$seconds" ]; do
	sleep 2
	elapsed=$((elapsed + 2))
	echo "== svstat after ${elapsed}s"
	"$bin/svstat" "$dir/service/clock" "$dir/service/clock/log" "$dir/service/once"
done

echo "== the log, through tai64nlocal"
tail -n 5 "$dir/clock/log/main/current" | "$bin/tai64nlocal"

echo "== SIGTERM to svscan: ordered shutdown (services, then loggers)"
kill -TERM "$svscan_pid"
wait "$svscan_pid" || true
trap - EXIT INT TERM
echo "== last lines of the log"
tail -n 2 "$dir/clock/log/main/current" | "$bin/tai64nlocal"
ls -l "$dir/clock/log/main"
echo "== the tree is in $dir"
