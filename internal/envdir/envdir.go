// Package envdir owns envdir's reading of a directory of environment
// files, exactly as daemontools 0.76 reads it: every entry not starting
// with '.' is a variable; its first line, trailing spaces and tabs
// removed, NULs turned into newlines, is the value; an empty file removes
// the variable.
package envdir

import (
	"bytes"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/rawsys"
)

// Value turns a file's contents into the variable's value as 0.76 does:
// set is false for an empty file (remove the variable); otherwise the
// value is the first line without its trailing spaces and tabs, each NUL
// turned into a newline. A file holding just "\n" sets the empty string.
func Value(content []byte) (value string, set bool) {
	if len(content) == 0 {
		return "", false
	}
	if i := bytes.IndexByte(content, '\n'); i >= 0 {
		content = content[:i]
	}
	content = bytes.TrimRight(content, " \t")
	return strings.ReplaceAll(string(content), "\x00", "\n"), true
}

// Change is the change a file named name with content makes, in the form
// pathexec.Merge takes: "NAME=value", or "NAME" to remove. A name with '='
// in it is not rejected: file "E=F" holding "v" gives "E=F=v", which sets
// E to "F=v", as in 0.76.
func Change(name string, content []byte) string {
	v, set := Value(content)
	if !set {
		return name
	}
	return name + "=" + v
}

// Error is a fatal error with 0.76's wording: What is the text before
// ": " and the daemontools error string of Err.
type Error struct {
	What string
	Err  error
}

func (e *Error) Error() string { return e.What + ": " + e.Err.Error() }

// Read returns the changes the directory dir makes, in directory order.
// Like 0.76 it changes into dir to read it and back to the starting
// directory afterwards, so permissions act the same (search permission on
// dir is what counts, and "." must be readable).
//
// Deliberate difference: a file that vanishes between listing and opening,
// or a dangling symbolic link, is skipped (the variable is left as it
// was); 0.76 reused the previous file's value for it.
func Read(dir string) ([]string, error) {
	orig, err := rawsys.Open(".", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC)
	if err != nil {
		return nil, &Error{"unable to switch to current directory", err}
	}
	defer rawsys.Close(orig)
	if err := rawsys.Chdir(dir); err != nil {
		return nil, &Error{"unable to switch to directory " + dir, err}
	}
	changes, err := readHere(dir)
	if err != nil {
		rawsys.Fchdir(orig) // best effort: the caller reports err
		return nil, err
	}
	if err := rawsys.Fchdir(orig); err != nil {
		return nil, &Error{"unable to switch to starting directory", err}
	}
	return changes, nil
}

// readHere reads the current directory, which is dir.
func readHere(dir string) ([]string, error) {
	names, err := list()
	if err != nil {
		return nil, &Error{"unable to read directory " + dir, err}
	}
	var changes []string
	for _, name := range names {
		if strings.HasPrefix(name, ".") {
			continue
		}
		content, err := readFile(name)
		if err == unix.ENOENT {
			continue
		}
		if err != nil {
			return nil, &Error{"unable to read " + dir + "/" + name, err}
		}
		changes = append(changes, Change(name, content))
	}
	return changes, nil
}

// list returns the names in the current directory in the order the
// kernel gives them (not sorted: the environment's order follows it).
func list() ([]string, error) {
	fd, err := rawsys.Open(".", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if err != nil {
		return nil, err
	}
	defer rawsys.Close(fd)
	var names []string
	err = chunks(fd, 8192, rawsys.Getdents, func(b []byte) bool {
		_, _, names = unix.ParseDirent(b, -1, names)
		return true
	})
	return names, err
}

// readFile reads a file as 0.76's openreadclose does (opened read-only
// and non-blocking), but only up to its first newline: nothing after it
// counts, and 0.76's reading of all of it made a huge file cost memory.
func readFile(name string) ([]byte, error) {
	fd, err := rawsys.Open(name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC)
	if err != nil {
		return nil, err
	}
	defer rawsys.Close(fd)
	var out []byte
	err = chunks(fd, 4096, rawsys.Read, func(b []byte) bool {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			out = append(out, b[:i+1]...)
			return false
		}
		out = append(out, b...)
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// chunks calls read on fd until it returns 0 or an error other than
// EINTR, or until use, handed each chunk read, returns false.
func chunks(fd, size int, read func(int, []byte) (int, error), use func([]byte) bool) error {
	buf := make([]byte, size)
	for {
		n, err := read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return err
		}
		if !use(buf[:n]) {
			return nil
		}
	}
}
