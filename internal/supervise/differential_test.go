package supervise

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

var (
	pidDigits     = regexp.MustCompile(`\(pid [0-9]+\)`)
	secondsDigits = regexp.MustCompile(`[0-9]+ seconds`)
)

// transcript drives one supervise program through a scenario with the C
// svc, svok and svstat and returns what they printed, pids and seconds
// masked. Waits between steps read supervise/status directly.
func transcript(t *testing.T, bin string) []string {
	svc, svok, svstat := testkit.Oracle(t, "svc"), testkit.Oracle(t, "svok"), testkit.Oracle(t, "svstat")
	// The service ignores TERM, so that "want down" can be seen while up.
	// supervise records the new pid as soon as it has forked, so each
	// instance says when its trap is set, and the scenario waits for that
	// before sending TERM (a TERM before the trap ended the service).
	s := newService(t, `trap "" TERM; echo " $$" >> trapped; exec sleep 1000`).start(bin)
	trapped := func(r svstatus.Record) svstatus.Record {
		t.Helper()
		s.waitFile("trapped", " "+strconv.Itoa(r.PID)+"\n")
		return r
	}
	parent := filepath.Dir(s.dir)
	var lines []string
	say := func(step string) {
		out, code := run(t, parent, svstat, "sv", "nonexistent")
		out = pidDigits.ReplaceAllString(out, "(pid x)")
		out = secondsDigits.ReplaceAllString(out, "x seconds")
		lines = append(lines, step+": "+out+"exit "+strconv.Itoa(code))
	}
	ctl := func(opts string) {
		if out, code := run(t, parent, svc, opts, "sv"); out != "" || code != 0 {
			t.Errorf("%s: svc %s: %q exit %d", bin, opts, out, code)
		}
	}
	okCode := func() string { _, code := run(t, parent, svok, "sv"); return "svok " + strconv.Itoa(code) }

	up := trapped(s.waitUp())
	lines = append(lines, okCode())
	say("start")
	ctl("-p")
	s.waitStatus("paused", func(r svstatus.Record) bool { return r.Paused })
	say("-p")
	ctl("-c")
	s.waitStatus("continued", func(r svstatus.Record) bool { return !r.Paused })
	say("-c")
	ctl("-d")
	s.waitStatus("want down", func(r svstatus.Record) bool { return r.Want == 'd' })
	say("-d (TERM ignored)")
	ctl("-p")
	s.waitStatus("paused", func(r svstatus.Record) bool { return r.Paused })
	say("-p while want down")
	ctl("-k")
	s.waitDown()
	say("-k")
	ctl("-u")
	up = trapped(s.waitNewPID(up.PID))
	say("-u")
	ctl("-o")
	s.waitStatus("once", func(r svstatus.Record) bool { return r.Want == 0 })
	say("-o")
	ctl("-k")
	s.waitDown()
	say("-k after -o")
	if err := os.WriteFile(filepath.Join(s.dir, "down"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	say("touch down")
	ctl("-u")
	up = trapped(s.waitUp())
	say("-u with down file")
	// ALRM, HUP and INT kill sleep, one at a time: each restart must have
	// set its trap before the next TERM comes.
	for _, opt := range []string{"-a", "-h", "-i"} {
		ctl(opt)
		up = trapped(s.waitNewPID(up.PID))
	}
	ctl("-t") // ignored
	ctl("-dx")
	s.waitStatus("want down", func(r svstatus.Record) bool { return r.Want == 'd' })
	ctl("-k")
	if code := s.exitStatus(); code != 0 {
		t.Errorf("%s: exit %d", bin, code)
	}
	lines = append(lines, okCode())
	say("after -dx")
	return lines
}

// What svstat prints for sv along the scenario (the second argument,
// nonexistent, always gives "nonexistent: unable to chdir: file does
// not exist").
var expectedSvstat = []string{
	"svok 0",
	"start: sv: up (pid x) x seconds",
	"-p: sv: up (pid x) x seconds, paused",
	"-c: sv: up (pid x) x seconds",
	"-d (TERM ignored): sv: up (pid x) x seconds, want down",
	"-p while want down: sv: up (pid x) x seconds, paused, want down",
	"-k: sv: down x seconds, normally up",
	"-u: sv: up (pid x) x seconds",
	"-o: sv: up (pid x) x seconds",
	"-k after -o: sv: down x seconds, normally up",
	"touch down: sv: down x seconds",
	"-u with down file: sv: up (pid x) x seconds, normally down",
	"svok 100",
	"after -dx: sv: supervise not running",
}

func TestCToolsReadAndControlOurSupervise(t *testing.T) {
	t.Parallel() // slow; overlaps with the 60-second fork test
	want := transcript(t, theirs(t))
	got := transcript(t, ours(t))
	for i, l := range expectedSvstat {
		if i < len(got) && !strings.HasPrefix(l, "svok") {
			l += "\nnonexistent: unable to chdir: file does not exist\nexit 0"
		}
		if i >= len(got) || got[i] != l {
			t.Errorf("line %d: want %q", i, l)
		}
	}
	if d := testkit.LineDiff(strings.Join(want, "\n"), strings.Join(got, "\n")); d != "same" {
		t.Errorf("C svc/svok/svstat on ours and on C supervise differ:%s", d)
	}
	if testing.Verbose() {
		for _, l := range got {
			t.Log(l)
		}
	}
}

// TestCToolsOnExtendedService: the C svc, svok and svstat control and
// read our supervise on a service with the files beyond 0.76
// (down-signal, timeout-kill, finish, timeout-finish, restart-backoff,
// new-session): svc -d sends down-signal's signal and the KILL of
// timeout-kill follows, ./finish runs, svstat shows each state as 0.76
// words it, svc -t still sends TERM, and svc -dx ends it all.
func TestCToolsOnExtendedService(t *testing.T) {
	t.Parallel()
	svc, svok, svstat := testkit.Oracle(t, "svc"), testkit.Oracle(t, "svok"), testkit.Oracle(t, "svstat")
	s := newService(t, `trap 'echo USR1 >> got' USR1; echo $$ > pid; while :; do sleep 0.05; done`,
		fast, "down-signal=USR1\n", "timeout-kill=1000\n", "timeout-finish=2000\n", "restart-backoff=5 60000 60000\n",
		"new-session=", "finish=#!/bin/sh\necho \"$1 $2 $3\" >> finished\n")
	os.Chmod(filepath.Join(s.dir, "finish"), 0o755)
	s.start(ours(t))
	parent := filepath.Dir(s.dir)
	ctl := func(opts string) {
		t.Helper()
		if out, code := run(t, parent, svc, opts, "sv"); out != "" || code != 0 {
			t.Errorf("svc %s: %q exit %d", opts, out, code)
		}
	}
	show := func(want string) {
		t.Helper()
		out, code := run(t, parent, svstat, "sv")
		out = secondsDigits.ReplaceAllString(out, "x seconds")
		if out != want || code != 0 {
			t.Errorf("svstat: %q exit %d, want %q", out, code, want)
		}
	}
	// up is the pid the service wrote once its trap was set, also in the
	// status record.
	up := func(old int) int {
		t.Helper()
		var pid int
		testkit.Eventually(t, within, func() bool {
			pid, _ = strconv.Atoi(strings.TrimSpace(s.file("pid")))
			r, ok := s.status()
			return pid != old && pid != 0 && ok && r.PID == pid
		}, "no new pid after %d: %q", old, s.file("pid"))
		return pid
	}
	pid := up(0)
	if out, code := run(t, parent, svok, "sv"); out != "" || code != 0 {
		t.Errorf("svok: %q exit %d", out, code)
	}
	show("sv: up (pid " + strconv.Itoa(pid) + ") x seconds\n")

	ctl("-d") // USR1 (ignored), CONT, KILL a second later, ./finish
	s.waitLines("finished", 1)
	if got := s.lines("got"); !slices.Equal(got, []string{"USR1"}) {
		t.Errorf("the service got %q for svc -d, want USR1", got)
	}
	s.waitDown()
	show("sv: down x seconds, normally up\n")

	ctl("-u")
	pid = up(pid)
	show("sv: up (pid " + strconv.Itoa(pid) + ") x seconds\n")
	ctl("-t") // TERM, not down-signal's USR1: ./finish, then a restart
	s.waitLines("finished", 2)
	pid = up(pid)
	show("sv: up (pid " + strconv.Itoa(pid) + ") x seconds\n")

	ctl("-dx")
	if code := s.exitStatus(); code != 0 {
		t.Errorf("supervise exited %d after svc -dx", code)
	}
	if got := s.lines("got"); !slices.Equal(got, []string{"USR1", "USR1"}) {
		t.Errorf("the service got %q, want USR1 twice", got)
	}
	if got := s.lines("finished"); !slices.Equal(got, []string{"256_9_sv", "256_15_sv", "256_9_sv"}) {
		t.Errorf("./finish's arguments: %q", got)
	}
	if _, code := run(t, parent, svok, "sv"); code != 100 {
		t.Errorf("svok after svc -dx: exit %d, want 100", code)
	}
	show("sv: supervise not running\n")
}
