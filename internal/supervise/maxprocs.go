package supervise

import (
	"slices"
	"strings"
	"syscall"
)

// The Go runtime sizes itself at start-up for GOMAXPROCS processors: one
// P, its caches and the threads to run it, per CPU. supervise needs one,
// and calling runtime.GOMAXPROCS(1) later does not give back what was set
// up. So, once, supervise re-executes itself with GOMAXPROCS=1 in its
// environment; that saves 50 to 250 kB of resident memory per supervise
// (more on machines with many CPUs) for one extra exec at start-up. The
// environment handed to ./run is the one supervise was given: the
// original GOMAXPROCS (or its absence) travels in maxprocsMarker and is
// put back, in place, after the re-exec.

const (
	maxprocsVar    = "GOMAXPROCS="
	maxprocsMarker = "DAEMONTOOLS_GO_SUPERVISE_GOMAXPROCS="
)

// singleProcessor re-executes supervise with one P unless that is done
// already, and returns the environment to give the service. When the
// re-exec fails (no /proc, say) supervise simply goes on as it is.
func singleProcessor(args, env []string) []string {
	if orig, ok := restoredEnv(env); ok {
		return orig
	}
	if slices.Contains(env, maxprocsVar+"1") {
		return env
	}
	syscall.Exec("/proc/self/exe", args, reexecEnv(env))
	return env
}

// reexecEnv sets GOMAXPROCS=1, remembering the original entry (empty
// when there was none) in the marker at the end.
func reexecEnv(env []string) []string {
	out := slices.Clone(env)
	orig := ""
	if i := slices.IndexFunc(out, isMaxprocs); i >= 0 {
		orig, out[i] = out[i], maxprocsVar+"1"
	} else {
		out = append(out, maxprocsVar+"1")
	}
	return append(out, maxprocsMarker+orig)
}

// restoredEnv undoes reexecEnv; ok is false when env has no marker.
func restoredEnv(env []string) (orig []string, ok bool) {
	m := slices.IndexFunc(env, func(kv string) bool { return strings.HasPrefix(kv, maxprocsMarker) })
	if m < 0 {
		return nil, false
	}
	saved := env[m][len(maxprocsMarker):]
	orig = slices.Delete(slices.Clone(env), m, m+1)
	if i := slices.IndexFunc(orig, isMaxprocs); i >= 0 {
		if saved == "" {
			orig = slices.Delete(orig, i, i+1)
		} else {
			orig[i] = saved
		}
	}
	return orig, true
}

func isMaxprocs(kv string) bool { return strings.HasPrefix(kv, maxprocsVar) }
