package svwait

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/daemontools-go/daemontools/internal/svstate"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// readyService makes a service with notification-fd 3 whose ./run
// announces readiness only when the test writes a line into its FIFO
// ../NAME.go, so that the waiters are asleep before it does.
func readyService(t *testing.T, root, name string) (dir string, trigger func()) {
	t.Helper()
	dir = serviceDir(t, root, name, false)
	fifo := filepath.Join(root, name+".go")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	testkit.WriteScript(t, filepath.Join(dir, "run"), "#!/bin/sh\nread x < ../"+name+".go\necho >&3\nexec sleep 1000\n")
	if err := os.WriteFile(filepath.Join(dir, "notification-fd"), []byte("3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, func() {
		t.Helper()
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0) // waits for ./run to open it
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("go\n")
		f.Close()
	}
}

// TestReadinessLikeS6: with notification-fd, s6-svwait -U on s6-supervise
// and our svwait -U on our supervise both wait for the newline, and -R
// for the newline of a new start.
func TestReadinessLikeS6(t *testing.T) {
	testkit.Installed(t, "/usr/bin/s6-svwait", "s6")
	kits := []struct{ name, wait, supervise, svc string }{
		{"s6", "/usr/bin/s6-svwait", "/usr/bin/s6-supervise", "/usr/bin/s6-svc"},
		{"ours", svwait(), testkit.Path("supervise"), testkit.Oracle(t, "svc")},
	}
	for _, k := range kits {
		t.Run(k.name, func(t *testing.T) {
			root := t.TempDir()
			dir, trigger := readyService(t, root, "a")
			testkit.KillAllAtCleanup(t, []string{root})
			startSupervise(t, k.supervise, dir)
			waitUp(t, dir)
			if code, _ := run(t, k.wait, "-t", "300", "-U", dir); code != 99 {
				t.Fatalf("-U before the newline: exit %d, want 99", code)
			}
			if code, msg := run(t, k.wait, "-t", "5000", "-u", dir); code != 0 {
				t.Fatalf("-u: exit %d %q", code, msg)
			}
			w := startWait(t, k.wait, "-U", dir)
			w.settled(dir)
			trigger()
			if code, msg := w.result(); code != 0 {
				t.Fatalf("-U: exit %d %q", code, msg)
			}
			w = startWait(t, k.wait, "-R", dir)
			w.settled(dir)
			if out, err := exec.Command(k.svc, "-t", dir).CombinedOutput(); err != nil {
				t.Fatalf("svc -t: %v %s", err, out)
			}
			if k.name == "ours" {
				// Restarted, not ready yet: the wait goes on.
				testkit.Eventually(t, within, func() bool {
					st, err := svstate.Read(dir)
					return err == nil && st.State == svstate.Up && st.Starts == 2
				}, "never restarted")
				if code, _ := run(t, k.wait, "-t", "300", "-U", dir); code != 99 {
					t.Fatalf("-U after the restart, before the newline: exit %d, want 99", code)
				}
				if !w.running() {
					t.Fatalf("-R ended before the new start was ready: %d %q", w.code, w.stderr.String())
				}
			}
			trigger()
			if code, msg := w.result(); code != 0 {
				t.Fatalf("-R: exit %d %q", code, msg)
			}
		})
	}
}

// TestFinishedLikeS6: -D waits for ./finish to end, -d does not.
func TestFinishedLikeS6(t *testing.T) {
	testkit.Installed(t, "/usr/bin/s6-svwait", "s6")
	kits := []struct{ name, wait, supervise, svc string }{
		{"s6", "/usr/bin/s6-svwait", "/usr/bin/s6-supervise", "/usr/bin/s6-svc"},
		{"ours", svwait(), testkit.Path("supervise"), testkit.Oracle(t, "svc")},
	}
	for _, k := range kits {
		t.Run(k.name, func(t *testing.T) {
			root := t.TempDir()
			dir := serviceDir(t, root, "a", false)
			fifo := filepath.Join(root, "finish.go")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			testkit.WriteScript(t, filepath.Join(dir, "finish"), "#!/bin/sh\nread x < ../finish.go\n")
			testkit.KillAllAtCleanup(t, []string{root})
			startSupervise(t, k.supervise, dir)
			waitUp(t, dir)
			wD := startWait(t, k.wait, "-D", dir)
			wD.settled(dir)
			if out, err := exec.Command(k.svc, "-d", dir).CombinedOutput(); err != nil {
				t.Fatalf("svc -d: %v %s", err, out)
			}
			if code, msg := run(t, k.wait, "-t", "5000", "-d", dir); code != 0 {
				t.Fatalf("-d while ./finish runs: exit %d %q", code, msg)
			}
			if !wD.running() {
				t.Fatalf("-D ended while ./finish runs: %d %q", wD.code, wD.stderr.String())
			}
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("go\n")
			f.Close()
			if code, msg := wD.result(); code != 0 {
				t.Fatalf("-D: exit %d %q", code, msg)
			}
		})
	}
}
