package supervise

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svconf"
	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// startTimes follows supervise/status and returns the times of n starts
// (from the status timestamps).
func (s *service) startTimes(n int) []time.Time {
	s.t.Helper()
	var at []time.Time
	last := 0
	for len(at) < n {
		r := s.waitStatus("a new start", func(r svstatus.Record) bool { return r.PID != 0 && r.PID != last })
		at, last = append(at, wallTime(r.When)), r.PID
	}
	return at
}

// TestRestartBackoffGrowsAndIsCapped: with restart-backoff "2 60000 800"
// and a pause of 50 ms, a service that exits after 100 ms is started
// again at once after its first death, then 100, 200, 400 and 800 ms
// after its previous start, and never more than 800 ms. (Each run lasts
// 100 ms so that the test cannot miss one in supervise/status.)
func TestRestartBackoffGrowsAndIsCapped(t *testing.T) {
	t.Parallel()
	s := newService(t, "sleep 0.1; exit 0", "restart-delay=50", "restart-backoff=2 60000 800\n").start(ours(t))
	at := s.startTimes(7)
	want := []time.Duration{100, 100, 200, 400, 800, 800}
	for i, w := range want {
		w *= time.Millisecond
		if gap := at[i+1].Sub(at[i]); gap < w || gap > w+2*time.Second {
			t.Errorf("gap %d: %v, want %v", i+1, gap, w)
		}
	}
}

// TestRestartBackoffShowsWantUpAndYieldsToCommands: a held-back restart
// shows as "down, want up", d cancels it, u starts at once.
func TestRestartBackoffShowsWantUpAndYieldsToCommands(t *testing.T) {
	t.Parallel()
	s := newService(t, "echo x >> starts; exit 0", fast, "restart-backoff=1 60000 600000\n").start(ours(t))
	// After the first death the back-off holds the restart for 2 ms,
	// after the second 4 ms, ... The fifth start waits 32 ms, the tenth
	// about a second, the fifteenth half a minute.
	s.waitLines("starts", 12)
	r := s.waitStatus("held back", func(r svstatus.Record) bool { return r.PID == 0 && r.Want == svstatus.WantUp })
	out, _ := run(t, filepath.Dir(s.dir), testkit.Path("svstat"), "sv")
	if got := secondsDigits.ReplaceAllString(out, "x seconds"); got != "sv: down x seconds, normally up, want up\n" {
		t.Errorf("svstat: %q", out)
	}
	n := len(s.lines("starts"))
	s.send("u")
	s.waitLines("starts", n+1)
	s.send("d")
	r = s.waitStatus("down", func(r svstatus.Record) bool { return r.PID == 0 && r.Want == svstatus.WantDown })
	_ = r
}

// TestRestartBackoffResetsAfterAStayUp: a run that lasts the window ends
// the back-off. The numbers leave room for a loaded machine: a run of
// 0.1 s may take much longer, but not the 2 s of the window, and the
// start after the long run comes about 2.6 s after it began with the
// reset, 6.4 s without.
func TestRestartBackoffResetsAfterAStayUp(t *testing.T) {
	t.Parallel()
	s := newService(t, "if [ -e stay ]; then echo $$ > long; sleep 2.5; fi; sleep 0.1; exit 0",
		"restart-delay=100", "restart-backoff=1 2000 60000\n").start(ours(t))
	at := s.startTimes(5) // gaps 200, 400, 800, 1600 ms
	if gap := at[4].Sub(at[3]); gap < 1600*time.Millisecond {
		t.Fatalf("no back-off: gap %v", gap)
	}
	os.WriteFile(filepath.Join(s.dir, "stay"), nil, 0o644)
	long := s.waitPid("long") // 3.2 s after the last start
	os.Remove(filepath.Join(s.dir, "stay"))
	r := s.waitStatus("the long run", func(r svstatus.Record) bool { return r.PID == long })
	next := s.waitNewPID(long)
	if gap := wallTime(next.When).Sub(wallTime(r.When)); gap > 4500*time.Millisecond {
		t.Errorf("start %v after the long run began, want about 2.6 s", gap)
	}
}

// TestBackoffSchedule is backoff.death on made-up times: with the usual
// one-second pause (no restart-delay here), "3 10000 20000" leaves the
// first two deaths alone, then spaces the starts 2, 4, 8, 16, 20, 20 s;
// a run of 10 s or more starts afresh.
func TestBackoffSchedule(t *testing.T) {
	t.Chdir(t.TempDir())
	p := svconf.Backoff{Deaths: 3, Window: 10 * time.Second, Max: 20 * time.Second}
	var b backoff
	now := time.Now()
	var got []time.Duration
	for range 8 {
		b.started = now
		now = now.Add(100 * time.Millisecond) // each run lasts 0.1 s
		gap := b.death(p, now, defaultDelay)
		got = append(got, gap)
		now = b.started.Add(max(gap, time.Second))
	}
	want := []time.Duration{0, 0, 2, 4, 8, 16, 20, 20}
	for i := range want {
		want[i] *= time.Second
	}
	if !slices.Equal(got, want) {
		t.Errorf("gaps %v, want %v", got, want)
	}
	b.started = now
	if gap := b.death(p, now.Add(10*time.Second), defaultDelay); gap != 0 || b.streak != 0 {
		t.Errorf("after a run of 10 s: gap %v, streak %d", gap, b.streak)
	}
}

// TestNewSessionSignalsTheGroup: with new-session, ./run leads a session
// of its own, and the down signal and timeout-kill's KILL reach its
// children too; without it, ./run stays in supervise's group and only it
// gets them (0.76).
func TestNewSessionSignalsTheGroup(t *testing.T) {
	t.Parallel()
	const body = `sleep 1000 & echo $! > child; trap "" TERM; echo $$ > pid; while :; do sleep 0.05; done`
	for _, session := range []bool{false, true} {
		files := []string{fast, "timeout-kill=300"}
		if session {
			files = append(files, "new-session=")
		}
		s := newService(t, body, files...).start(ours(t))
		pid, child := s.waitPid("pid"), s.waitPid("child")
		sid, _ := unix.Getsid(pid)
		pgid, _ := syscall.Getpgid(pid)
		if inOwn := sid == pid && pgid == pid; inOwn != session {
			t.Errorf("new-session %v: ./run %d in session %d, group %d", session, pid, sid, pgid)
		}
		s.send("d")
		testkit.Eventually(t, within, func() bool { return gone(pid) }, "./run never killed")
		if childGone := testkit.Poll(time.Second, func() bool { return gone(child) }); childGone != session {
			t.Errorf("new-session %v: ./run's child gone: %v", session, childGone)
		}
		s.send("x")
		s.exitStatus()
	}
}
