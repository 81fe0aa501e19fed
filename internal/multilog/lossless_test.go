package multilog

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// SIGKILL at any moment, a hundred times, while a writer pumps numbered
// lines into a pipe the test holds open (as svscan does), then EOF: every
// line is in the directories exactly once and in order, with nothing cut
// short. This goes beyond 0.76, which loses what it has read but not yet
// written: ours peeks at a pipe and takes bytes out of it only once they
// are written, and its journal ("pending") keeps a kill between writing
// and taking out from writing them twice. The script has timestamps and
// a processor; a second directory gets every tenth line (marked E), so
// replays with several directories are covered.
func TestPipeKilledAtAnyMomentLosesAndRepeatsNoLine(t *testing.T) {
	kills := 100
	if testing.Short() {
		kills = 20
	}
	rng := rand.New(rand.NewSource(76))
	work := t.TempDir()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	stop := make(chan struct{})
	total := make(chan int, 1)
	go func() { // the service: lines cut into writes at arbitrary places
		wr := rand.New(rand.NewSource(5))
		var pending []byte
		seq := 0
		defer func() { w.Close(); total <- seq }()
		for {
			select {
			case <-stop:
				if len(pending) > 0 {
					w.Write(pending)
				}
				return
			default:
			}
			for len(pending) < 16384 {
				pending = append(append(pending, numbered(seq)...), '\n')
				seq++
			}
			n := 1 + wr.Intn(8000)
			if _, err := w.Write(pending[:n]); err != nil {
				return
			}
			pending = append(pending[:0], pending[n:]...)
		}
	}()
	// The journal is ignored when the script changes, so every run has
	// the same one: timestamps, a processor in d, e without.
	script := []string{"t", "s4096", "n100000", "!cat", "./d", "-*", "+*E*", "s2000", "n100000", "./e"}
	for k := 0; k < kills; k++ {
		p := startPiped(t, testkit.Path("multilog"), work, script, r, w)
		time.Sleep(time.Duration(20+rng.Intn(31)) * time.Millisecond) // a random moment, not a wait
		p.cmd.Process.Kill()
		p.wait(t)
		for _, d := range []string{"d", "e"} {
			testkit.Eventually(t, 20*time.Second, func() bool { return lockFree(filepath.Join(work, d, "lock")) }, "lock still held")
		}
	}
	close(stop)
	p := startPiped(t, testkit.Path("multilog"), work, script, r, nil)
	if code := p.wait(t); code != 0 || p.stderr() != "" {
		t.Fatalf("final run: exit %d, stderr %q", code, p.stderr())
	}
	n := <-total
	if n < 1000 {
		t.Fatalf("only %d lines written", n)
	}
	checkSequence(t, filepath.Join(work, "d"), n, func(i int) bool { return true })
	checkSequence(t, filepath.Join(work, "e"), n, func(i int) bool { return i%10 == 5 })
}

// checkSequence reads dir's files oldest first and wants exactly the
// lines i < n for which want(i), once each and in order.
func checkSequence(t *testing.T, dir string, n int, want func(int) bool) {
	t.Helper()
	next := 0
	advance := func() {
		for next < n && !want(next) {
			next++
		}
	}
	advance()
	for _, name := range logFiles(t, dir) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range bytes.SplitAfter(data, []byte("\n")) {
			if len(l) == 0 {
				continue
			}
			s := strings.TrimSuffix(string(l), "\n")
			if len(s) > 26 && s[0] == '@' && s[25] == ' ' {
				s = s[26:] // the t action's label
			}
			i, err := strconv.Atoi(strings.Split(s, " ")[0])
			if err != nil || !bytes.HasSuffix(l, []byte("\n")) || s != numbered(i) {
				t.Fatalf("%s/%s: bad line %q", filepath.Base(dir), name, l)
			}
			if i != next {
				t.Fatalf("%s/%s: line %d where %d was due (lost, repeated or out of order)", filepath.Base(dir), name, i, next)
			}
			next++
			advance()
		}
	}
	if next != n {
		t.Fatalf("%s: lines from %d on missing (of %d)", filepath.Base(dir), next, n)
	}
}

// numbered is line i of the service; every tenth has an E (never in a label).
func numbered(i int) string {
	tail := strings.Repeat("x", i%50)
	if i%10 == 5 {
		tail = "E" + tail
	}
	return fmt.Sprintf("%08d %s", i, tail)
}
