#!/bin/sh
# svwait against s6-svwait, side by side. Not a pass/fail test. Figure:
#   ready to return   ms from the moment a service became ready (the stamp
#                     its supervise records: ready= in our supervise/state,
#                     the ready stamp of s6's supervise/status) to the
#                     moment "svwait -U" (ours, on our supervise) or
#                     "s6-svwait -U" (on s6-supervise) has exited, as the
#                     parent's waitpid sees it
# Each round restarts both services (svc -t / s6-svc -t); their ./run
# blocks on a FIFO, so the waiter is started, seen asleep in poll(2), and
# only then is the line written that makes ./run write its readiness
# newline. The two are measured in alternation. RUNS rounds (default 30).
set -eu
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"
RUNS=${RUNS:-30}
for p in /usr/bin/s6-supervise /usr/bin/s6-svwait /usr/bin/s6-svc /usr/bin/svc; do
	[ -x "$p" ] || { echo "svwait.sh: $p missing (apt-get install s6 daemontools)" >&2; exit 111; }
done

work=$(mktemp -d)
pids=
cleanup() {
	/usr/bin/svc -dx "$work/ours" 2>/dev/null || :
	/usr/bin/s6-svc -dx "$work/s6" 2>/dev/null || :
	for p in $pids; do wait "$p" 2>/dev/null || :; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

sh scripts/build.sh "$work" ./cmd/supervise ./cmd/svwait
for s in ours s6; do
	mkdir "$work/$s"
	mkfifo "$work/$s.go"
	printf '#!/bin/sh\nread x < ../%s.go\necho >&3\nexec sleep 100000\n' "$s" >"$work/$s/run"
	chmod +x "$work/$s/run"
	echo 3 >"$work/$s/notification-fd"
done
"$work/supervise" "$work/ours" 2>>"$work/stderr" &
pids="$pids $!"
/usr/bin/s6-supervise "$work/s6" 2>>"$work/stderr" &
pids="$pids $!"

python3 - "$work" "$RUNS" <<'PY'
import os, subprocess, sys, time
work, runs = sys.argv[1], int(sys.argv[2])
kit = {
    'ours': (work + '/svwait', '/usr/bin/svc'),
    's6': ('/usr/bin/s6-svwait', '/usr/bin/s6-svc'),
}

def wait_for(cond, what):
    deadline = time.monotonic() + 20
    while not cond():
        if time.monotonic() > deadline:
            sys.exit('svwait.sh: timeout: ' + what)
        time.sleep(0.001)

def state(s):
    """(pid, starts or stamp, ready ns or 0) from the supervisor's files."""
    d = work + '/' + s + '/supervise/'
    try:
        if s == 'ours':
            kv = dict(l.split('=', 1) for l in open(d + 'state').read().splitlines())
            r = kv['ready']
            ready = 0
            if r:
                ready = (int(r[1:17], 16) - (1 << 62) - 10) * 10**9 + int(r[17:25], 16)
            return int(kv['pid']) if kv['state'] == 'up' else 0, kv['starts'], ready
        b = open(d + 'status', 'rb').read()
        if len(b) < 35:
            return 0, None, 0
        pid = int.from_bytes(b[24:32], 'big')
        ready = 0
        if b[34] & 8:
            # skalibs' clock is TAI: 37 s ahead of UTC since 2017 (ours: 10).
            ready = (int.from_bytes(b[12:20], 'big') - (1 << 62) - 37) * 10**9 + int.from_bytes(b[20:24], 'big')
        return pid, b[0:12], ready
    except (OSError, KeyError, ValueError):
        return 0, None, 0

def asleep(pid):
    try:
        for t in os.listdir('/proc/%d/task' % pid):
            if open('/proc/%d/task/%s/wchan' % (pid, t)).read().startswith('poll_schedule_timeout'):
                return True
    except OSError:
        pass
    return False

def round_(s):
    waiter, svc = kit[s]
    d = work + '/' + s
    before = state(s)
    subprocess.run([svc, '-t', d], check=True)
    wait_for(lambda: state(s)[0] and state(s)[1] != before[1] and not state(s)[2], s + ' restart')
    p = subprocess.Popen([waiter, '-U', d])
    wait_for(lambda: asleep(p.pid), s + ' waiter asleep')
    with open(work + '/' + s + '.go', 'w') as f:
        f.write('go\n')
    p.wait()
    t_exit = time.time_ns()
    if p.returncode != 0:
        sys.exit('svwait.sh: %s waiter exited %d' % (s, p.returncode))
    ready = state(s)[2]
    return (t_exit - ready) / 1e6

# Both services up first (their first ./run waits for its line too).
for s in kit:
    wait_for(lambda: state(s)[0], s + ' start')
    with open(work + '/' + s + '.go', 'w') as f:
        f.write('go\n')
    wait_for(lambda: state(s)[2], s + ' first ready')
lat = {s: [] for s in kit}
for i in range(runs):
    for s in (('ours', 's6') if i % 2 == 0 else ('s6', 'ours')):
        lat[s].append(round_(s))
med = lambda xs: sorted(xs)[len(xs) // 2]
print('%-34s %10s %10s %7s' % ('figure', 'ours', 's6', 'ratio'))
for name, f in (('ready to return (ms), median', med), ('ready to return (ms), max', max)):
    a, b = f(lat['ours']), f(lat['s6'])
    print('%-34s %10.3f %10.3f %7.2f' % (name, a, b, a / b if b else 0))
print('(%d rounds each; load: %s)' % (runs, ' '.join(open('/proc/loadavg').read().split()[:3])))
PY
