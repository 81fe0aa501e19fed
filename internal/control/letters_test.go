package control_test

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// The svc letters beyond 0.76 (daemontools-encore's): q QUIT, 1 USR1,
// 2 USR2, w WINCH.

// TestSvcSignalLettersRejectedByC076: the C svc knows none of them and
// stops with its usage; ours sends each once, in order, like the others.
func TestSvcSignalLettersRejectedByC076(t *testing.T) {
	dir := t.TempDir()
	control := fakeSupervise(t, dir+"/s")
	for _, l := range []string{"q", "1", "2", "w"} {
		r := run(t, dir, testkit.Oracle(t, "svc"), "-"+l, "s")
		if r.code != 100 || !strings.HasPrefix(r.stderr, "svc: illegal option -- "+l+"\nsvc options: ") {
			t.Errorf("C svc -%s: %v", l, r)
		}
	}
	if r := run(t, dir, testkit.Path("svc"), "-q12wq", "-dw", "s"); r != (result{}) {
		t.Errorf("svc -q12wq -dw: %v", r)
	}
	if got := drain(t, control); got != "q12wd" {
		t.Errorf("svc -q12wq -dw wrote %q", got)
	}
}

// TestSvcSignalLettersIgnoredByCSupervise: 0.76's supervise ignores the
// bytes it does not know: the service is not signalled, the status is
// not rewritten, and the next command works.
func TestSvcSignalLettersIgnoredByCSupervise(t *testing.T) {
	s := startService(t, testkit.Oracle(t, "supervise"), "exec sleep 1000\n", false)
	rec := s.await("up", func(r svstatus.Record) bool { return r.PID != 0 })
	before, err := os.ReadFile(s.path(svstatus.Status))
	must(t, err)
	s.svc(testkit.Path("svc"), "-q12w")
	s.svc(testkit.Path("svc"), "-p")
	s.await("paused", func(r svstatus.Record) bool { return r.Paused })
	if after, _ := s.status(); after.PID != rec.PID || after.When != rec.When {
		t.Errorf("status %+v -> %+v", rec, after)
	}
	b := append([]byte(nil), before...)
	b[16] = 1 // the paused byte, the only one p changes
	if after, _ := os.ReadFile(s.path(svstatus.Status)); string(after) != string(b) {
		t.Errorf("status bytes %x -> %x", before, after)
	}
	if syscall.Kill(rec.PID, 0) != nil {
		t.Errorf("the service died")
	}
}

// TestSvcSignalLettersReachTheService: our svc and our supervise deliver
// QUIT, USR1, USR2 and WINCH to ./run.
func TestSvcSignalLettersReachTheService(t *testing.T) {
	skipWithoutGoSupervise(t)
	s := startService(t, testkit.Path("supervise"),
		"for s in QUIT USR1 USR2 WINCH; do trap \"echo $s >> got\" $s; done\necho $$ > ready\nwhile :; do sleep 0.05; done\n", false)
	testkit.Eventually(t, 20*time.Second, func() bool { _, err := os.Stat(s.path("ready")); return err == nil }, "no traps set")
	want := ""
	for _, c := range []struct{ letter, sig string }{{"q", "QUIT"}, {"1", "USR1"}, {"2", "USR2"}, {"w", "WINCH"}} {
		s.svc(testkit.Path("svc"), "-"+c.letter)
		want += c.sig + "\n"
		testkit.Eventually(t, 20*time.Second, func() bool { b, _ := os.ReadFile(s.path("got")); return string(b) == want },
			"after svc -%s: want %q", c.letter, want)
	}
}
