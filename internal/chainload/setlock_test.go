package chainload_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// holder runs path (a setlock) on lock with a program that keeps the
// lock until release is called; it returns once the lock is held.
func holder(t *testing.T, path, lock string, opts ...string) (release func()) {
	t.Helper()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	held := filepath.Join(dir, "held")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// The lock passes to a background child, then the program exits: the
	// child's inherited descriptor keeps the lock.
	script := `: > "$1"; (cat "$2" > /dev/null) & exit 0`
	args := append(opts, lock, "/bin/sh", "-c", script, "sh", held, fifo)
	cmd := exec.Command(path, args...)
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool { _, err := os.Stat(held); return err == nil }, "lock not taken")
	return func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}

// TestSetlockExcludesOtherBuild: a lock taken by one build (and kept by
// the program's background child) makes the other build's -n fail with
// 0.76's message, -nx exit 0 silently, and both succeed after release:
// both use flock(2) and the descriptor is inherited, not close-on-exec.
func TestSetlockExcludesOtherBuild(t *testing.T) {
	for _, holderBuild := range []string{oraclePath(t, "setlock"), ourPath("setlock")} {
		lock := filepath.Join(t.TempDir(), "lock")
		release := holder(t, holderBuild, lock)
		r := same(t, "setlock", withArgs("-n", lock, "/bin/true"))
		if r.code != 111 || r.stderr != "setlock: fatal: unable to lock "+lock+": temporary failure\n" {
			t.Errorf("held by %s: %+v", holderBuild, r)
		}
		for _, opts := range [][]string{{"-nx"}, {"-Nn"}, {"-xNn", "-X"}} {
			same(t, "setlock", withArgs(append(opts, lock, "/bin/true")...))
		}
		release()
		testkit.Eventually(t, 10*time.Second, func() bool {
			return exec.Command(ourPath("setlock"), "-n", lock, "/bin/true").Run() == nil
		}, "lock not released")
		same(t, "setlock", withArgs("-n", lock, "/bin/true"))
	}
}

// TestSetlockWaitsByDefault: without -n (or with -n then -N: last wins)
// setlock waits for the lock, then runs the program.
func TestSetlockWaitsByDefault(t *testing.T) {
	for _, opts := range [][]string{nil, {"-nN"}} {
		lock := filepath.Join(t.TempDir(), "lock")
		release := holder(t, oraclePath(t, "setlock"), lock)
		done := filepath.Join(t.TempDir(), "done")
		cmd := exec.Command(ourPath("setlock"), append(opts, lock, "/bin/sh", "-c", `: > "$0"`, done)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		if testkit.Poll(300*time.Millisecond, func() bool { _, err := os.Stat(done); return err == nil }) {
			t.Errorf("setlock %q ran the program while the lock was held", opts)
		}
		release()
		if err := <-waited; err != nil {
			t.Errorf("setlock %q: %v", opts, err)
		}
		if _, err := os.Stat(done); err != nil {
			t.Errorf("setlock %q: program not run", opts)
		}
	}
}

// TestSetlockFileOpenedForAppend: the lock file is created mode 0600 and
// an existing one is neither truncated nor written; -x hides an open
// failure (exit 0), -X (last) reports it.
func TestSetlockFileOpenedForAppend(t *testing.T) {
	dir := t.TempDir()
	lock := writeFile(t, dir, "lock", "keep me\n")
	same(t, "setlock", withArgs(lock, "/bin/true"))
	if b, _ := os.ReadFile(lock); string(b) != "keep me\n" {
		t.Errorf("lock file changed: %q", b)
	}
	for _, build := range []string{oraclePath(t, "setlock"), ourPath("setlock")} {
		fresh := filepath.Join(t.TempDir(), "fresh")
		if err := exec.Command(build, fresh, "/bin/true").Run(); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(fresh)
		if err != nil || st.Mode().Perm() != 0o600&^umask() {
			t.Errorf("%s: created %v %v", build, st.Mode(), err)
		}
	}
	missing := filepath.Join(dir, "no", "lock")
	for _, opts := range [][]string{{"-x"}, {"-X"}, {"-xX"}, {"-Xx"}, {}} {
		same(t, "setlock", withArgs(append(opts, missing, "/bin/true")...))
	}
	same(t, "setlock", withArgs(dir, "/bin/true")) // a directory: is a directory
}

func umask() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}
