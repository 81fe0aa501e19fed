package supervise

import (
	"slices"
	"strings"
	"syscall"

	"github.com/daemontools-go/daemontools/internal/pathexec"
)

// The Go runtime sizes itself at start-up from settings in the
// environment, and a program cannot change the outcome afterwards.
// supervise wants GOMAXPROCS=1: the runtime sets up one P, its caches and
// the threads to run it, per CPU; supervise needs one, and calling
// runtime.GOMAXPROCS(1) later does not give back what was set up (50 to
// 250 kB of resident memory, more on machines with many CPUs).
//
// So, once, supervise re-executes itself with it set, for one extra exec
// at start-up. The environment handed to ./run is the one supervise was
// given: each original entry (or its absence) travels in a marker and is
// put back, in place, after the re-exec. When the re-exec fails (no
// /proc, say) supervise simply goes on as it is.
//
// GODEBUG=sbrk=1 would look like the next setting to add: supervise
// allocates only while it starts, and the bump allocator of sbrk=1 packs
// those few dozen sizes that the normal allocator spreads over a span
// (one or two pages) each; idle anonymous memory fell from about 550 to
// about 325 kB. It is not safe with Go 1.26, though. Its lock code
// rebuilds pointers to sleeping Ms from their 2048-byte heap alignment,
// which sbrk's allocator does not give: a woken lock crashed supervise
// with SIGSEGV in runtime.unlock2Wake. And with the default randomised
// heap base, 13 starts in 2000 died in schedinit ("grew heap, but no
// adequate free space found"): the random padding of the first heap
// chunk can leave fewer than the 4 pages of the signal stack that, under
// sbrk=1, is the first thing taken from it.

// runtimeSetting is one environment variable set for the re-exec.
type runtimeSetting struct {
	name   string                   // "NAME="
	marker string                   // "MARKER=", followed by the original entry
	value  func(orig string) string // the value to run with, given the original one
}

var runtimeSettings = []runtimeSetting{
	{"GOMAXPROCS=", "DAEMONTOOLS_GO_SUPERVISE_GOMAXPROCS=", func(string) string { return "1" }},
}

// tuneRuntime re-executes supervise with runtimeSettings unless that is
// done already, and returns the environment to give the service.
func tuneRuntime(args, env []string) []string {
	if orig, ok := restoredEnv(env); ok {
		return orig
	}
	renv := reexecEnv(env)
	// pathexec's exec, not syscall.Exec: it also puts back the memory
	// limits supervise started with (internal/rlimit), which the new
	// image must see as they were.
	if exe, ok := ownPath(); ok {
		pathexec.ExecPath(exe, "", args, renv)
	}
	pathexec.ExecPath("/proc/self/exe", "", args, renv) // the file was removed or replaced
	return env
}

// ownPath is the program file's path, so that the re-exec keeps the
// process's name: the kernel names a process after the file it runs, and
// ps, pgrep, pidof and killall would otherwise see "exe".
func ownPath() (string, bool) {
	var buf [4096]byte
	n, err := syscall.Readlink("/proc/self/exe", buf[:])
	if err != nil || n == len(buf) {
		return "", false
	}
	p := string(buf[:n])
	return p, !strings.HasSuffix(p, " (deleted)")
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
