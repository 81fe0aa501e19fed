package supervise

import (
	"slices"
	"strings"
	"syscall"
)

// The Go runtime sizes itself at start-up from settings in the
// environment, and a program cannot change the outcome afterwards.
// supervise wants two of them:
//
//   - GOMAXPROCS=1. The runtime sets up one P, its caches and the
//     threads to run it, per CPU; supervise needs one, and calling
//     runtime.GOMAXPROCS(1) later does not give back what was set up
//     (50 to 250 kB of resident memory, more on machines with many CPUs).
//   - GODEBUG=sbrk=1, in builds without the randomised heap base only
//     (see sbrk_randomized.go). The runtime then hands out memory from a
//     plain bump allocator and never collects garbage. supervise
//     allocates only while it starts (nothing in its loop does, see
//     fork.go; warnings neither, see warn.go), so a collector would never
//     find anything to free; the size-classed spans of the normal
//     allocator, however, cost one or two pages for each of the few dozen
//     sizes allocated at start-up, most of them nearly empty. With sbrk=1
//     supervise's idle anonymous memory falls from about 550 to about
//     325 kB.
//
// So, once, supervise re-executes itself with them set, for one extra
// exec at start-up. The environment handed to ./run is the one supervise
// was given: each original entry (or its absence) travels in a marker and
// is put back, in place, after the re-exec. When the re-exec fails (no
// /proc, say) supervise simply goes on as it is.

// runtimeSetting is one environment variable set for the re-exec.
type runtimeSetting struct {
	name   string                   // "NAME="
	marker string                   // "MARKER=", followed by the original entry
	value  func(orig string) string // the value to run with, given the original one
}

var runtimeSettings = append([]runtimeSetting{
	{"GOMAXPROCS=", "DAEMONTOOLS_GO_SUPERVISE_GOMAXPROCS=", func(string) string { return "1" }},
}, sbrkSettings...)

// tuneRuntime re-executes supervise with runtimeSettings unless that is
// done already, and returns the environment to give the service.
func tuneRuntime(args, env []string) []string {
	if orig, ok := restoredEnv(env); ok {
		return orig
	}
	syscall.Exec("/proc/self/exe", args, reexecEnv(env))
	return env
}

// reexecEnv applies runtimeSettings to env, remembering each original
// entry (empty when there was none) in its marker at the end.
func reexecEnv(env []string) []string {
	out := slices.Clone(env)
	for _, s := range runtimeSettings {
		orig := ""
		if i := slices.IndexFunc(out, hasPrefix(s.name)); i >= 0 {
			orig = out[i]
			out[i] = s.name + s.value(orig[len(s.name):])
		} else {
			out = append(out, s.name+s.value(""))
		}
		out = append(out, s.marker+orig)
	}
	return out
}

// restoredEnv undoes reexecEnv; ok is false when env has no marker.
func restoredEnv(env []string) (orig []string, ok bool) {
	orig = slices.Clone(env)
	for _, s := range runtimeSettings {
		m := slices.IndexFunc(orig, hasPrefix(s.marker))
		if m < 0 {
			continue
		}
		ok = true
		saved := orig[m][len(s.marker):]
		orig = slices.Delete(orig, m, m+1)
		if i := slices.IndexFunc(orig, hasPrefix(s.name)); i >= 0 {
			if saved == "" {
				orig = slices.Delete(orig, i, i+1)
			} else {
				orig[i] = saved
			}
		}
	}
	return orig, ok
}

func hasPrefix(prefix string) func(string) bool {
	return func(kv string) bool { return strings.HasPrefix(kv, prefix) }
}
