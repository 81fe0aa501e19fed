package chainload_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// envDir makes a directory holding the given files.
func envDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		writeFile(t, dir, name, content)
	}
	return dir
}

// TestEnvdirFilesAs076: first line only, trailing spaces and tabs
// removed (leading kept), NUL turned into newline, an empty file removes
// the variable, a lone newline sets it empty, dot files skipped, a name
// with '=' replaces the variable before the '=', and the resulting
// environment order is 0.76's (existing entry removed, its slot refilled
// by the last entry, new entries appended in directory order).
func TestEnvdirFilesAs076(t *testing.T) {
	dir := envDir(t, map[string]string{
		"FIRSTLINE": "one\ntwo\n",
		"TRAIL":     "  lead and trail \t \t\n",
		"NUL":       "a\x00b\x00\n",
		"B":         "",
		"EMPTY":     "\n",
		".hidden":   "x\n",
		"E=F":       "v\n",
		"Z":         "new",
		"NONE":      "",
		"TABONLY":   " \t",
		"CR":        "x\r\n",
		"NEWVAR":    "1",
		"LONG":      strings.Repeat("x", 5000) + "\n" + strings.Repeat("y", 5000),
	})
	if err := syscall.Mkfifo(filepath.Join(dir, "FIFO"), 0o644); err != nil {
		t.Fatal(err) // no writer: reads as empty, removes FIFO
	}
	env := []string{"PATH=/usr/bin:/bin", "A=1", "B=2", "E=old", "C=3", "Z=old", "D=4", "EMPTY=was"}
	for _, d := range []string{dir, dir + "/"} {
		inv := dumpAfter(d)
		inv.env = env
		r := same(t, "envdir", inv)
		if !strings.Contains(r.stdout, "\nE=F=v\n") || strings.Contains(r.stdout, "\nB=") {
			t.Errorf("unexpected environment:\n%s", r.stdout)
		}
	}
}

// TestEnvdirErrorsAs076: the fatal messages and exit code 111 for a
// missing directory, a file instead of a directory, a symbolic link loop,
// a subdirectory inside, and a program that cannot be run.
func TestEnvdirErrorsAs076(t *testing.T) {
	base := t.TempDir()
	writeFile(t, base, "plainfile", "x")
	if err := os.Symlink("loop", filepath.Join(base, "loop")); err != nil {
		t.Fatal(err)
	}
	withSub := envDir(t, map[string]string{"A": "1"})
	if err := os.Mkdir(filepath.Join(withSub, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{filepath.Join(base, "missing"), "/bin/true"},
		{filepath.Join(base, "plainfile"), "/bin/true"},
		{filepath.Join(base, "loop"), "/bin/true"},
		{withSub, "/bin/true"},
		{base, "/nonexistent/program"},
		{base, "no-such-program-anywhere"},
	} {
		r := same(t, "envdir", withArgs(args...))
		if r.code != 111 {
			t.Errorf("envdir %q: exit %d", args, r.code)
		}
	}
}

// TestEnvdirPathNotUsedForSearch: 0.76 finds the program along the PATH
// it was started with, not along a PATH the directory sets.
func TestEnvdirPathNotUsedForSearch(t *testing.T) {
	bin := t.TempDir()
	writeFile(t, bin, "only-here", "#!/bin/sh\necho found\n")
	os.Chmod(filepath.Join(bin, "only-here"), 0o755)
	dir := envDir(t, map[string]string{"PATH": bin + "\n"})
	r := same(t, "envdir", withArgs(dir, "only-here"))
	if r.code != 111 {
		t.Errorf("program found along the new PATH: %+v", r)
	}
}

// TestEnvdirRelativeDirAndProgram: a relative directory is read from the
// starting directory, and a relative program is run from the starting
// directory again afterwards.
func TestEnvdirRelativeDirAndProgram(t *testing.T) {
	top := t.TempDir()
	os.Mkdir(filepath.Join(top, "env"), 0o755)
	writeFile(t, filepath.Join(top, "env"), "X", "y\n")
	testkitScript(t, filepath.Join(top, "prog"), "#!/bin/sh\npwd\necho X=$X\n")
	inv := withArgs("env", "./prog")
	inv.dir = top
	r := same(t, "envdir", inv)
	if r.stdout != top+"\nX=y\n" {
		t.Errorf("got %q", r.stdout)
	}
}

// TestEnvdirDanglingFileSkipped is a deliberate difference: a dangling
// symbolic link (a file gone before it could be opened) leaves its
// variable alone; 0.76 gave it the previous file's value.
func TestEnvdirDanglingFileSkipped(t *testing.T) {
	dir := envDir(t, nil)
	if err := os.Symlink("/nonexistent/target", filepath.Join(dir, "GONE")); err != nil {
		t.Fatal(err)
	}
	inv := invocation{args: []string{dir, "/bin/sh", "-c", `echo "${GONE-unset}"`}, env: []string{"GONE=kept"}, dir: t.TempDir()}
	if r := start(t, ourPath("envdir"), "envdir", inv); r.code != 0 || r.stdout != "kept\n" {
		t.Errorf("dangling file: %+v", r)
	}
}

// TestEnvdirUnreadableDirectory: without permission to enter the
// directory the error is "unable to switch to directory", and an
// unreadable file gives "unable to read DIR/NAME", as in 0.76 (run as
// nobody when the test runs as root).
func TestEnvdirUnreadableDirectory(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to switch to nobody")
	}
	ours := copyForAnyone(t, "envdir")
	locked := filepath.Join(filepath.Dir(ours), "locked")
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	unreadable := filepath.Join(filepath.Dir(ours), "unreadable")
	if err := os.Mkdir(unreadable, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, unreadable, "SECRET", "x\n")
	os.Chmod(filepath.Join(unreadable, "SECRET"), 0)
	for _, dir := range []string{locked, unreadable} {
		run := func(envdir string) result {
			return start(t, oraclePath(t, "setuidgid"), "setuidgid",
				invocation{args: []string{"nobody", envdir, dir, "/bin/true"}, dir: "/"})
		}
		c, g := run(oraclePath(t, "envdir")), run(ours)
		if c != g || c.code != 111 || !strings.Contains(c.stderr, "access denied") {
			t.Errorf("C %+v ours %+v", c, g)
		}
	}
}
