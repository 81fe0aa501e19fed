package multilog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// Kill -9 during rotation, a hundred times, restarting on the same pipe
// (as svscan does), then a clean run to EOF. A line counts as accepted
// once it is seen in the directory; every accepted line must end up in
// exactly one file, and no line may appear twice or out of order.
func TestKillDuringRotationLosesNoAcceptedLine(t *testing.T) {
	kills := 100
	if testing.Short() {
		kills = 20
	}
	work := t.TempDir()
	dir := filepath.Join(work, "d")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	seq := 0
	batch := func(n int) (last string) {
		var b bytes.Buffer
		for i := 0; i < n; i++ {
			last = fmt.Sprintf("L%07d %s", seq, strings.Repeat("y", 80))
			b.WriteString(last + "\n")
			seq++
		}
		if _, err := w.Write(b.Bytes()); err != nil {
			t.Fatal(err)
		}
		return last
	}
	var accepted []int // sequence numbers of accepted lines
	hit := 0
	for k := 0; k < kills; k++ {
		args := []string{"s4096", "n100000", "./d"}
		if k%2 == 1 {
			args = []string{"s4096", "n100000", "!cat", "./d"}
		}
		p := startPiped(t, testkit.Path("multilog"), work, args, r, w)
		first := seq
		last := batch(30)
		if !testkit.Poll(20*time.Second, func() bool { return bytes.Contains(readLog(t, dir), []byte(last+"\n")) }) {
			names, _ := namesIn(dir)
			t.Fatalf("kill %d: batch not written; stderr %q; files %q", k, p.stderr(), names)
		}
		for i := first; i < seq; i++ {
			accepted = append(accepted, i)
		}
		// More than a file's worth, then kill as soon as a rotation is
		// seen in progress (previous, or a .u file being synced, exists),
		// or soon anyway.
		batch(60)
		deadline := time.Now().Add(50 * time.Millisecond)
		for time.Now().Before(deadline) {
			if rotating(dir) {
				hit++
				break
			}
		}
		p.cmd.Process.Kill() // at once, wherever it is
		p.wait(t)
		// A processor forked just before the kill holds the lock until
		// it execs (in 0.76 too); supervise would retry a second later.
		testkit.Eventually(t, 20*time.Second, func() bool { return lockFree(filepath.Join(dir, "lock")) }, "lock still held")
	}
	w.Close()
	p := startPiped(t, testkit.Path("multilog"), work, []string{"s4096", "n100000", "./d"}, r, nil)
	if code := p.wait(t); code != 0 || p.stderr() != "" {
		t.Fatalf("final run: exit %d, stderr %q", code, p.stderr())
	}
	t.Logf("%d of %d kills came during a rotation", hit, kills)

	seen := map[int]bool{}
	prev := -1
	for _, name := range logFiles(t, dir) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		for i, l := range lines {
			if l == "" && i == len(lines)-1 {
				continue
			}
			n, ok := seqOf(l)
			if !ok {
				// A write cut short by the kill leaves part of a line
				// at the end of a salvaged file; that line was never
				// accepted.
				if i == len(lines)-1 && strings.HasSuffix(name, ".u") {
					continue
				}
				t.Fatalf("%s: bad line %q", name, l)
			}
			if n <= prev {
				t.Fatalf("%s: line %d after %d (duplicate or out of order)", name, n, prev)
			}
			prev = n
			seen[n] = true
		}
	}
	for _, n := range accepted {
		if !seen[n] {
			t.Fatalf("accepted line %d lost", n)
		}
	}
}

func logFiles(t *testing.T, dir string) []string {
	names, err := namesIn(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var files []string
	for _, n := range names {
		if n[0] == '@' {
			files = append(files, n)
		}
	}
	sortStrings(files)
	return append(files, "current")
}

func seqOf(l string) (int, bool) {
	if len(l) != 89 || l[0] != 'L' || l[8] != ' ' || strings.Trim(l[9:], "y") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(l[1:8])
	return n, err == nil
}

func lockFree(path string) bool {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return os.IsNotExist(err)
	}
	defer unix.Close(fd)
	return unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) == nil
}

// rotating reports whether dir holds a file of a rotation in progress:
// previous (with a processor) or a .u file not yet synced.
func rotating(dir string) bool {
	names, _ := namesIn(dir)
	for _, n := range names {
		if n == "previous" || strings.HasSuffix(n, ".u") {
			return true
		}
	}
	return false
}
