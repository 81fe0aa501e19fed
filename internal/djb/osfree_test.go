package djb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestBaseNameIsFilepathBase: getopt's program name is what
// filepath.Base gives.
func TestBaseNameIsFilepathBase(t *testing.T) {
	for _, p := range []string{"", "/", "//", "a", "/a", "a/", "a//", "/a/b", "./b", "../x/y//", "/usr/bin/softlimit"} {
		if baseName(p) != filepath.Base(p) {
			t.Errorf("baseName(%q) = %q, filepath.Base %q", p, baseName(p), filepath.Base(p))
		}
	}
}

// TestDeadlineIsTimedOut: os.ErrDeadlineExceeded, bare or wrapped, reads
// "timed out"; an Errno keeps its own wording.
func TestDeadlineIsTimedOut(t *testing.T) {
	wrapped := &os.PathError{Op: "read", Path: "x", Err: os.ErrDeadlineExceeded}
	for _, err := range []error{os.ErrDeadlineExceeded, wrapped, fmt.Errorf("w: %w", wrapped)} {
		if Errno(err) != syscall.ETIMEDOUT || ErrStr(err) != "timed out" {
			t.Errorf("%v: %v %q", err, Errno(err), ErrStr(err))
		}
	}
	if ErrStr(syscall.EAGAIN) != "temporary failure" {
		t.Error("EAGAIN")
	}
}

// TestFsSentinelsKeepTheirWording: the io/fs sentinels, bare, wrapped or
// joined, read as the errno they stand for, as errors.Is finds them.
func TestFsSentinelsKeepTheirWording(t *testing.T) {
	for _, c := range []struct {
		err  error
		want syscall.Errno
	}{
		{fs.ErrNotExist, syscall.ENOENT},
		{fmt.Errorf("w: %w", fs.ErrNotExist), syscall.ENOENT},
		{errors.Join(errors.New("other"), fs.ErrPermission), syscall.EACCES},
		{&os.PathError{Op: "mkdir", Path: "x", Err: fs.ErrExist}, syscall.EEXIST},
		{errors.Join(fs.ErrExist, fs.ErrNotExist), syscall.ENOENT}, // fs.ErrNotExist is asked about first
		{fs.ErrClosed, 0},
	} {
		if got := Errno(c.err); got != c.want {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
	}
}
