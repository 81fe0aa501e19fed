package djb

import (
	"fmt"
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
