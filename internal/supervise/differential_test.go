package supervise

import (
	"os"
	"path/filepath"
	"regexp"
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
