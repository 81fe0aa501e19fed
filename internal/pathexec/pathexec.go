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
)

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

// PathOf returns the value of PATH in env, or DefaultPath.
func PathOf(env []string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], "PATH="); ok {
			return v
		}
	}
	return DefaultPath
}

// Search runs try on each candidate for file, following 0.76's rules, and
// returns the error to report when none succeeded. try does the exec (or
// fork and exec); it returns only on failure.
func Search(file string, env []string, try func(path string) error) error {
	var saved error
	for _, c := range Candidates(file, PathOf(env)) {
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

func moveOn(err error) bool {
	e, ok := err.(syscall.Errno)
	return ok && (e == syscall.EACCES || e == syscall.EPERM || e == syscall.EISDIR)
}

// Exec replaces the process with file found along env's PATH. It returns
// only on failure, with the error 0.76 would report.
func Exec(file string, argv, env []string) error {
	return Search(file, env, func(p string) error {
		return syscall.Exec(p, argv, env)
	})
}
