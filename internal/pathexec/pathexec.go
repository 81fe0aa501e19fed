// Package pathexec owns daemontools 0.76's program lookup: a name with a
// slash is run as it is; otherwise each PATH element is tried in order
// (PATH unset means "/bin:/usr/bin", an empty element means "."), moving
// on after ENOENT, EACCES, EPERM and EISDIR and stopping at any other
// error. The error reported is the last one that was not ENOENT, else
// ENOENT.
package pathexec

import (
	"strings"
	"syscall"
	"unsafe"

	"github.com/daemontools-go/daemontools/internal/rlimit"
)

// runtimeEnvs is the environment block as the kernel gave it.
//
//go:linkname runtimeEnvs syscall.runtime_envs
func runtimeEnvs() []string

// Environ returns the environment the program received, entry for entry
// and in order, as 0.76's programs pass on environ: duplicates, empty
// entries and entries without '=' included (os.Environ drops duplicates
// and empty entries). The caller must not modify it.
func Environ() []string { return runtimeEnvs() }

// DefaultPath is used when the environment has no PATH.
const DefaultPath = "/bin:/usr/bin"

// Candidates lists the file names to try, in order, for file under path.
func Candidates(file, path string) []string {
	if strings.Contains(file, "/") {
		return []string{file}
	}
	var out []string
	for _, dir := range strings.Split(path, ":") {
		if dir == "" {
			dir = "."
		}
		out = append(out, dir+"/"+file)
	}
	return out
}

// PathOf returns the value of PATH in env, or DefaultPath. Like 0.76's
// env_get, the first PATH entry wins when there are several.
func PathOf(env []string) string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			return v
		}
	}
	return DefaultPath
}

// Search runs try on each candidate for file, following 0.76's rules, and
// returns the error to report when none succeeded. try does the exec (or
// fork and exec); it returns only on failure.
func Search(file string, env []string, try func(path string) error) error {
	return SearchPath(file, PathOf(env), try)
}

// SearchPath is Search with the search path given directly. 0.76's
// pathexec looks PATH up in the environment the program was started with,
// not in the one it passes on: envdir or envuidgid changing PATH does not
// change where the program is found.
func SearchPath(file, path string, try func(path string) error) error {
	return searchCandidates(Candidates(file, path), try)
}

// searchCandidates is SearchPath's loop, over candidates listed already.
func searchCandidates(candidates []string, try func(path string) error) error {
	var saved error
	for _, c := range candidates {
		err := try(c)
		if err == nil {
			return nil
		}
		if e, ok := err.(syscall.Errno); !ok || e != syscall.ENOENT {
			saved = err
			if !moveOn(err) {
				return err
			}
		}
	}
	if saved != nil {
		return saved
	}
	return syscall.ENOENT
}

//go:linkname runtimeBeforeExec syscall.runtime_BeforeExec
func runtimeBeforeExec()

//go:linkname runtimeAfterExec syscall.runtime_AfterExec
func runtimeAfterExec()

// ExecPath is Exec with the search path given directly (see SearchPath).
//
// The program gets the resource limits the process started with (see
// internal/rlimit): they are put back at the exec, and once they are, no
// memory may be allocated, since the runtime could not map more under
// them. So everything is made ready first, every candidate's name
// included, and the execs and the limits are raw system calls, as in
// syscall.Exec.
func ExecPath(file, path string, argv, env []string) error {
	x, entered := rlimit.PrepareExec()
	if !entered {
		return SearchPath(file, path, func(p string) error {
			return syscall.Exec(p, argv, env)
		})
	}
	candidates := Candidates(file, path)
	names := make([]*byte, len(candidates))
	bad := make([]error, len(candidates))
	for i, c := range candidates {
		names[i], bad[i] = syscall.BytePtrFromString(c)
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return err
	}
	envvp, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return err
	}
	next := 0
	try := func(string) error {
		i := next
		next++
		if bad[i] != nil {
			return bad[i]
		}
		_, _, e := syscall.RawSyscall(syscall.SYS_EXECVE,
			uintptr(unsafe.Pointer(names[i])),
			uintptr(unsafe.Pointer(&argvp[0])),
			uintptr(unsafe.Pointer(&envvp[0])))
		return e
	}
	runtimeBeforeExec()
	x.Apply()
	err = searchCandidates(candidates, try)
	x.Undo()
	runtimeAfterExec()
	return err
}

// Merge applies environment changes to environ the way 0.76's pathexec()
// does, so the order of the result matches the C build's. Each change is
// "NAME=value" (set) or "NAME" (remove); NAME ends at the first '='. For
// each change in turn the first entry of that name is removed, the last
// entry taking its slot, and a set is appended at the end.
func Merge(environ, changes []string) []string {
	e := append([]string(nil), environ...)
	for _, c := range changes {
		split := strings.IndexByte(c, '=')
		if split < 0 {
			split = len(c)
		}
		for t := range e {
			if len(e[t]) > split && e[t][split] == '=' && e[t][:split] == c[:split] {
				e[t] = e[len(e)-1]
				e = e[:len(e)-1]
				break
			}
		}
		if split < len(c) {
			e = append(e, c)
		}
	}
	return e
}

func moveOn(err error) bool {
	e, ok := err.(syscall.Errno)
	return ok && (e == syscall.EACCES || e == syscall.EPERM || e == syscall.EISDIR)
}

// Exec replaces the process with file found along env's PATH. It returns
// only on failure, with the error 0.76 would report.
func Exec(file string, argv, env []string) error {
	return ExecPath(file, PathOf(env), argv, env)
}
