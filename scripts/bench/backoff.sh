#!/bin/sh
# What a crash-looping service costs: the CPU time used by a supervise and
# every process it started (the service's, reaped by it) while ./run fails
# at once, over DURATION seconds (default 30), as a share of one CPU. Not
# a pass/fail test. Side by side, at the same time:
#   ours, backoff   our supervise with restart-backoff (BACKOFF, default
#                   "3 60000 30000": from the third death within a minute
#                   the time between starts doubles, up to 30 s)
#   ours            our supervise without it: 0.76's one-second pause
#   C               Debian's C supervise (/usr/bin/supervise)
# for two services that die at once: a shell script (exit 1) and, if
# python3 is there, a Python one (sys.exit(1)), whose start-up costs more.
# The goal: ours with restart-backoff below 1% of a CPU.
#
# The figure is the rusage wait4 returns for the supervise process after
# svc -dx, which includes every process it reaped (the service's, and
# theirs): nothing is sampled. The cost of starting and stopping
# supervise itself (ours: the Go runtime and its one re-exec) is measured
# apart, with a supervise of each build on a service that stays down
# (./down), and subtracted; the table shows it.
set -eu
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"
DURATION=${DURATION:-30}
BACKOFF=${BACKOFF:-3 60000 30000}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
sh scripts/build.sh "$work" ./cmd/supervise

python3 - "$work" "$DURATION" "$BACKOFF" <<'EOF'
import os, sys, time
work, duration, backoff = sys.argv[1], float(sys.argv[2]), sys.argv[3]

services = [('sh', '#!/bin/sh\necho >>starts\nexit 1\n')]
if os.path.exists('/usr/bin/python3'):
    services.append(('python3', '#!/usr/bin/python3\nimport sys\nopen("starts", "a").write("\\n")\nsys.exit(1)\n'))
variants = [('ours, backoff', work + '/supervise', True),
            ('ours', work + '/supervise', False),
            ('C', '/usr/bin/supervise', False)]

runs = []
null = os.open(os.devnull, os.O_WRONLY)
for sname, script in services:
    for vname, bin, with_backoff in variants:
        d = '%s/%s-%s' % (work, sname, vname.replace(', ', '-'))
        os.mkdir(d)
        with open(d + '/run', 'w') as f:
            f.write(script)
        os.chmod(d + '/run', 0o755)
        if with_backoff:
            with open(d + '/restart-backoff', 'w') as f:
                f.write(backoff + '\n')
        pid = os.posix_spawn(bin, [bin, d], dict(PATH='/usr/bin:/bin'),
                             file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
        runs.append((sname, vname, d, pid))
# The start-up baseline of each build: the service never runs.
for bname, bin in (('ours', work + '/supervise'), ('C', '/usr/bin/supervise')):
    d = '%s/idle-%s' % (work, bname)
    os.mkdir(d)
    with open(d + '/run', 'w') as f:
        f.write('#!/bin/sh\nexit 1\n')
    os.chmod(d + '/run', 0o755)
    open(d + '/down', 'w').close()
    open(d + '/starts', 'w').close()
    pid = os.posix_spawn(bin, [bin, d], dict(PATH='/usr/bin:/bin'),
                         file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
    runs.append(('idle', bname, d, pid))
time.sleep(duration)

def control(d, cmd):
    # supervise may be in its pause after a start (0.76: no command read
    # then): the bytes wait in the FIFO.
    for _ in range(1000):
        try:
            fd = os.open(d + '/supervise/control', os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            time.sleep(0.01)
            continue
        os.write(fd, cmd)
        os.close(fd)
        return
    raise SystemExit('backoff.sh: no control FIFO in ' + d)

import atexit, signal
unreaped = {pid for _, _, _, pid in runs}
def leftovers():  # a supervise not reaped when this script fails
    for pid in unreaped:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
atexit.register(leftovers)
for _, _, d, _ in runs:
    control(d, b'dx')
cpu, starts = {}, {}
for sname, vname, d, pid in runs:
    _, status, ru = os.wait4(pid, 0)
    unreaped.discard(pid)
    cpu[sname, vname] = ru.ru_utime + ru.ru_stime
    with open(d + '/starts') as f:
        starts[sname, vname] = len(f.read())
base = {'ours, backoff': cpu['idle', 'ours'], 'ours': cpu['idle', 'ours'], 'C': cpu['idle', 'C']}
for sname, _ in services:
    for v in variants:
        cpu[sname, v[0]] = max(cpu[sname, v[0]] - base[v[0]], 0)

print('%-36s %14s %10s %10s' % ('crash loop over %g s' % duration, 'ours, backoff', 'ours', 'C'))
print('%-36s %14.2f %10.2f %10.2f' % ('supervise start and exit: CPU ms', *[1000 * base[v[0]] for v in variants]))
for sname, _ in services:
    print('%-36s %14.3f %10.3f %10.3f' % (sname + ': CPU % of one CPU',
          *[100 * cpu[sname, v[0]] / duration for v in variants]))
    print('%-36s %14d %10d %10d' % (sname + ': starts', *[starts[sname, v[0]] for v in variants]))
    print('%-36s %14.2f %10.2f %10.2f' % (sname + ': CPU ms per start',
          *[1000 * cpu[sname, v[0]] / max(starts[sname, v[0]], 1) for v in variants]))
cap = float(backoff.split()[2]) / 1000
for sname, _ in services:
    share = 100 * cpu[sname, 'ours, backoff'] / duration
    print('%s with restart-backoff %s: %.3f%% of a CPU over %g s (goal: below 1%%): %s'
          % (sname, backoff, share, duration, 'met' if share < 1 else 'MISSED'))
    if cap > 0:
        per = cpu[sname, 'ours, backoff'] / max(starts[sname, 'ours, backoff'], 1)
        print('%s with restart-backoff %s: %.3f%% of a CPU once at the cap (one start every %g s)'
              % (sname, backoff, 100 * per / cap, cap))
print('(load: %s)' % ' '.join(open('/proc/loadavg').read().split()[:3]))
EOF
