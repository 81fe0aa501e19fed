#!/bin/sh
# Exec cost of the process-state tools: time per call of /bin/true, of
# Debian's C build and of ours, run in alternation, each as
# "TOOL ARGS /bin/true". Prints, per figure, the time each build adds over
# /bin/true (median of all calls, in ms) and the ratio ours/C; then the
# whole per-call times. Not a pass/fail test: the figures depend on load.
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

# The floor: the smallest Go exec wrapper there is (main only calls
# syscall.Exec), built like ours. What ours add above it is our code;
# what it adds above the C build is Go's runtime start-up.
mkdir "$work/floor"
cat > "$work/floor/main.go" <<'GO'
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0
package main

import "syscall"

func main() {
	syscall.Exec("/bin/true", []string{"true"}, nil)
}
GO
(cd "$work/floor" && printf 'module floor\ngo 1.26\n' > go.mod && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$work/bin/floor" .)

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

func call(argv []string) time.Duration {
	t0 := time.Now()
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}})
	if err != nil {
		fmt.Fprintln(os.Stderr, argv, err)
		os.Exit(1)
	}
	var ws syscall.WaitStatus
	syscall.Wait4(pid, &ws, 0, nil)
	if ws.ExitStatus() != 0 {
		fmt.Fprintln(os.Stderr, argv, "exit", ws.ExitStatus())
		os.Exit(1)
	}
	return time.Since(t0)
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
	var base, floor []time.Duration
	c := make([][]time.Duration, len(figures))
	g := make([][]time.Duration, len(figures))
	for i := 0; i < calls; i++ {
		for f, fig := range figures {
			argC := append(append([]string{"/usr/bin/" + fig[0]}, fig[1:]...), "/bin/true")
			argG := append(append([]string{ours + "/" + fig[0]}, fig[1:]...), "/bin/true")
			// Alternate the order so neither build always runs first.
			if (i+f)%2 == 0 {
				c[f] = append(c[f], call(argC))
				g[f] = append(g[f], call(argG))
			} else {
				g[f] = append(g[f], call(argG))
				c[f] = append(c[f], call(argC))
			}
			base = append(base, call(trueArgv))
		}
		floor = append(floor, call([]string{ours + "/floor"}))
	}
	t := median(base)
	fmt.Printf("/bin/true: %.3f ms per call (median of %d); %d calls per figure\n", t, len(base), calls)
	fmt.Printf("floor, a Go program that only execs /bin/true: %.3f ms over /bin/true\n\n", median(floor)-t)
	fmt.Printf("%-34s %10s %10s %7s   %s\n", "figure (over /bin/true, ms)", "ours", "C", "ratio", "per call: ours / C (ms)")
	for f, fig := range figures {
		mg, mc := median(g[f]), median(c[f])
		fmt.Printf("%-34s %10.3f %10.3f %7.2f   %.3f / %.3f\n",
			strings.Join(fig, " ")+" /bin/true", mg-t, mc-t, (mg-t)/(mc-t), mg, mc)
	}
}
GO
(cd "$work/driver" && printf 'module driver\ngo 1.21\n' > go.mod && CGO_ENABLED=0 go build -o "$work/drive" .)
"$work/drive" "$calls" "$work/bin" "$work"
