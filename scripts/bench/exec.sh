#!/bin/sh
# Exec cost of the process-state tools: time per call of /bin/true, of
# Debian's C build and of ours, run in alternation, each as
# "TOOL ARGS /bin/true", with the empty Go program and the empty Go exec
# wrapper (scripts/bench/empty/) in the same alternation. Prints, per
# figure, the time each build adds over /bin/true (median of all calls, in
# ms) and the ratio ours/C, then the whole per-call times; then what each
# of ours costs over the empty exec wrapper (fghack: over the empty
# fork-and-wait wrapper, as its job is a child it waits for), against the
# target (0.2 ms, or 10% of the empty program's per-call time where that
# is more). Not a pass/fail test: the figures depend on load.
#
#   sh scripts/bench/exec.sh [CALLS]     (default 2000 calls per figure)
set -eu
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"
calls=${1:-2000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

sh scripts/build.sh "$work/bin" \
	./cmd/setuidgid ./cmd/envuidgid ./cmd/envdir ./cmd/softlimit \
	./cmd/setlock ./cmd/fghack ./cmd/pgrphack
mkdir "$work/emptyenv"

# The baselines (scripts/bench/empty/), built the same way: an empty Go
# program, and an empty Go exec wrapper (main only execs /bin/true). What
# a chain-loading tool costs above the wrapper is our code; what the
# wrapper costs above the C build is Go's runtime start-up.
NOENTRY=1 sh scripts/build.sh "$work/bin" scripts/bench/empty/empty.go
NOENTRY=1 sh scripts/build.sh "$work/bin" scripts/bench/empty/emptyexec.go
# fghack's job is a child it waits for: its baseline also forks and waits.
NOENTRY=1 sh scripts/build.sh "$work/bin" scripts/bench/empty/emptyfork.go

# The driver forks and execs with syscall.ForkExec (a vfork-style clone),
# so its own cost per call is small and the same for every figure.
mkdir "$work/driver"
cat > "$work/driver/main.go" <<'GO'
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// call runs argv once and returns its wall time and its CPU time (user
// plus system, from wait4's rusage, which covers the whole process from
// the fork through every exec: the kernel keeps that sum to the
// nanosecond). The CPU time hardly depends on what else the machine runs.
func call(argv []string) (time.Duration, time.Duration) {
	t0 := time.Now()
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}})
	if err != nil {
		fmt.Fprintln(os.Stderr, argv, err)
		os.Exit(1)
	}
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	syscall.Wait4(pid, &ws, 0, &ru)
	wall := time.Since(t0)
	if ws.ExitStatus() != 0 {
		fmt.Fprintln(os.Stderr, argv, "exit", ws.ExitStatus())
		os.Exit(1)
	}
	return wall, time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// series holds one figure's calls.
type series struct{ wall, cpu []time.Duration }

func (s *series) add(w, c time.Duration) {
	s.wall = append(s.wall, w)
	s.cpu = append(s.cpu, c)
}

func median(d []time.Duration) float64 {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return float64(d[len(d)/2]) / 1e6
}

// args: CALLS OURSDIR WORK
func main() {
	calls, _ := strconv.Atoi(os.Args[1])
	ours, work := os.Args[2], os.Args[3]
	figures := [][]string{
		{"envdir", work + "/emptyenv"},
		{"setuidgid", "root"},
		{"envuidgid", "root"},
		{"softlimit", "-o", "100"},
		{"setlock", "-n", work + "/lock"},
		{"pgrphack"},
		{"fghack"},
	}
	trueArgv := []string{"/bin/true"}
	var base, empty, wrapper, forker series
	c := make([]series, len(figures))
	g := make([]series, len(figures))
	for i := 0; i < calls; i++ {
		for f, fig := range figures {
			argC := append(append([]string{"/usr/bin/" + fig[0]}, fig[1:]...), "/bin/true")
			argG := append(append([]string{ours + "/" + fig[0]}, fig[1:]...), "/bin/true")
			// Alternate the order so neither build always runs first.
			if (i+f)%2 == 0 {
				c[f].add(call(argC))
				g[f].add(call(argG))
			} else {
				g[f].add(call(argG))
				c[f].add(call(argC))
			}
			base.add(call(trueArgv))
		}
		// The baselines, in turn first and last of this round's calls.
		if i%2 == 0 {
			empty.add(call([]string{ours + "/empty"}))
			wrapper.add(call([]string{ours + "/emptyexec"}))
			forker.add(call([]string{ours + "/emptyfork"}))
		} else {
			forker.add(call([]string{ours + "/emptyfork"}))
			wrapper.add(call([]string{ours + "/emptyexec"}))
			empty.add(call([]string{ours + "/empty"}))
		}
	}
	fmt.Printf("%d calls per figure\n", calls)
	report("wall time", func(s *series) []time.Duration { return s.wall }, figures, &base, &empty, &wrapper, &forker, c, g)
	report("CPU time (user+system of the whole process, from wait4; hardly moved by load)",
		func(s *series) []time.Duration { return s.cpu }, figures, &base, &empty, &wrapper, &forker, c, g)
}

func report(what string, pick func(*series) []time.Duration, figures [][]string, base, empty, wrapper, forker *series, c, g []series) {
	t := median(pick(base))
	me, mw, mf := median(pick(empty)), median(pick(wrapper)), median(pick(forker))
	fmt.Printf("\n== %s\n", what)
	fmt.Printf("/bin/true: %.3f ms per call (median of %d)\n", t, len(pick(base)))
	fmt.Printf("empty Go program: %.3f ms over /bin/true\n", me-t)
	fmt.Printf("empty Go exec wrapper: %.3f ms over /bin/true\n", mw-t)
	fmt.Printf("empty Go fork-and-wait wrapper: %.3f ms over /bin/true\n\n", mf-t)
	fmt.Printf("%-34s %10s %10s %7s   %s\n", "figure (over /bin/true, ms)", "ours", "C", "ratio", "per call: ours / C (ms)")
	for f, fig := range figures {
		mg, mc := median(pick(&g[f])), median(pick(&c[f]))
		fmt.Printf("%-34s %10.3f %10.3f %7.2f   %.3f / %.3f\n",
			strings.Join(fig, " ")+" /bin/true", mg-t, mc-t, (mg-t)/(mc-t), mg, mc)
	}
	target := max(0.2, me/10)
	fmt.Printf("\nover the empty Go exec wrapper (target %.3f ms: 0.2, or 10%% of the empty program's %.3f ms per call)\n", target, me)
	for f, fig := range figures {
		// fghack runs its child and waits for it: its baseline is the
		// empty wrapper that does that.
		over, baseline := median(pick(&g[f]))-mw, "exec"
		if fig[0] == "fghack" {
			over, baseline = median(pick(&g[f]))-mf, "fork-and-wait"
		}
		verdict := "within target"
		if over > target {
			verdict = "over target"
		}
		fmt.Printf("%s: %.3f ms over the empty %s wrapper, %s\n", fig[0], over, baseline, verdict)
	}
}
GO
(cd "$work/driver" && printf 'module driver\ngo 1.21\n' > go.mod && CGO_ENABLED=0 go build -o "$work/drive" .)
"$work/drive" "$calls" "$work/bin" "$work"
