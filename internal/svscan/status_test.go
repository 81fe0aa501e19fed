package svscan

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// awaitStatus reads NOTIFY_SOCKET until STATUS=want comes, and returns
// how long that took. Each STATUS= must differ from the one before.
func awaitStatus(t *testing.T, msgs <-chan string, last *string, want string) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case m := <-msgs:
			text, ok := strings.CutPrefix(m, "STATUS=")
			if !ok {
				continue
			}
			if text == *last {
				t.Errorf("STATUS=%q sent twice in a row", text)
			}
			*last = text
			if text == want {
				return time.Since(start)
			}
		case <-deadline:
			t.Fatalf("no STATUS=%q; the last was %q", want, *last)
		}
	}
}

// TestStatusToSystemd: with NOTIFY_SOCKET, svscan sends STATUS= with the
// services' count, how many are up (and not yet ready) and down, after
// its scans and at each change of a service's status, at once (the
// changes below come well before a five-second rescan would find them).
// The logger of a service is not counted.
func TestStatusToSystemd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	makeService(t, filepath.Join(dir, "a"), "#!/bin/sh\nexec sleep 1000\n", "#!/bin/sh\nexec cat > /dev/null\n")
	b := makeService(t, filepath.Join(dir, "b"), "#!/bin/sh\nexec sleep 1000\n", "")
	os.WriteFile(filepath.Join(b, "down"), nil, 0o644)
	os.WriteFile(filepath.Join(b, "restart-delay"), []byte("0\n"), 0o644) // d is obeyed at once after u
	c := makeService(t, filepath.Join(dir, "c"),
		"#!/bin/sh\nwhile [ ! -e go ]; do sleep 0.02; done\necho >&3\nexec sleep 1000\n", "")
	os.WriteFile(filepath.Join(c, "notification-fd"), []byte("3\n"), 0o644)
	sock, msgs := notifySocket(t)
	ourScan(t, dir, "NOTIFY_SOCKET="+sock)
	var last string
	awaitStatus(t, msgs, &last, "3 services: 2 up (1 not ready), 1 down")

	control(t, b, "u")
	took := awaitStatus(t, msgs, &last, "3 services: 3 up (1 not ready), 0 down")
	os.WriteFile(filepath.Join(c, "go"), nil, 0o644)
	took = max(took, awaitStatus(t, msgs, &last, "3 services: 3 up, 0 down"))
	control(t, b, "d")
	took = max(took, awaitStatus(t, msgs, &last, "3 services: 2 up, 1 down"))
	if took > 2*time.Second {
		t.Errorf("a change took %v to reach STATUS=: found by a rescan, not as it happened?", took)
	}
	t.Logf("slowest change to STATUS=: %v", took)

	d := filepath.Join(dir, "d")
	os.Mkdir(d, 0o755)
	os.WriteFile(filepath.Join(d, "down"), nil, 0o644)
	os.WriteFile(filepath.Join(d, "run"), []byte("#!/bin/sh\nexec sleep 1000\n"), 0o755)
	awaitStatus(t, msgs, &last, "4 services: 2 up, 2 down")
}

// inotifyWatches counts the inotify watches svscan holds.
func inotifyWatches(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fdinfo")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/fdinfo/" + e.Name())
		n += strings.Count(string(b), "inotify wd:")
	}
	return n
}

// TestStatusWatchOnlyWithNotifySocket: without NOTIFY_SOCKET svscan
// watches only its directory, as before; with it, each service's
// supervise/ as well.
func TestStatusWatchOnlyWithNotifySocket(t *testing.T) {
	t.Parallel()
	for _, notify := range []bool{false, true} {
		dir := t.TempDir()
		x := makeService(t, filepath.Join(dir, "x"), "#!/bin/sh\nexec sleep 1000\n", "")
		y := makeService(t, filepath.Join(dir, "y"), "#!/bin/sh\nexec sleep 1000\n", "")
		var env []string
		if notify {
			sock, _ := notifySocket(t)
			env = append(env, "NOTIFY_SOCKET="+sock)
		}
		s := ourScan(t, dir, env...)
		waitUp(t, x, 10*time.Second)
		waitUp(t, y, 10*time.Second)
		want := 1
		if notify {
			want = 3
		}
		var got int
		if !testkit.Poll(10*time.Second, func() bool { got = inotifyWatches(t, s.pid()); return got == want }) {
			t.Errorf("NOTIFY_SOCKET %v: %d inotify watches, want %d", notify, got, want)
		}
	}
}
