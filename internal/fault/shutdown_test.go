//go:build fault

package fault

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// stopMargin is how late after its timeout-kill a service may die: the
// three seconds svscan(8) gives a supervise, once the service's own bound
// has passed, before it sends KILL itself (internal/svscan's killGrace).
// Past that svscan would have had to step in, and its shutdown would not
// be clean.
const stopMargin = 3 * time.Second

// TestShutdownKillsServicesIgnoringTERM: 200 services that ignore TERM,
// each with a timeout-kill between 1.5 and 2.5 s, under our svscan with
// SVSCAN_SHUTDOWN_TIMEOUT=1, stopped the way the init integrations stop
// svscan (TERM to svscan: svscan.service's KillMode=mixed, svscan.init's
// stop). Half of them run in a session of their own (new-session), and
// their ./run leaves two children and a grandchild that ignore TERM as
// well; a fifth have a ./finish that hangs as well, killed after its
// timeout-finish, which svscan waits for too.
// Every process of every service dies no sooner than its timeout-kill
// after the TERM and no later than stopMargin after that; svscan waits for
// them past its own one-second deadline and exits 0 without sending KILL
// itself; nothing of the tree is left running.
func TestShutdownKillsServicesIgnoringTERM(t *testing.T) {
	services := envInt("FAULT_STOP_SERVICES", 200)
	work := t.TempDir()
	dir := filepath.Join(work, "service")
	mkdirs(t, dir)
	testkit.KillAllAtCleanup(t, []string{work})
	bound := map[string]time.Duration{} // service directory -> timeout-kill
	session := map[string]bool{}
	// Every fifth service has a ./finish that hangs, killed after
	// timeout-finish: its stop takes that much longer.
	const finishBound = 500 * time.Millisecond
	finishing := map[string]bool{}
	for i := range services {
		sv := filepath.Join(dir, fmt.Sprintf("stubborn%03d", i))
		mkdirs(t, sv)
		tk := 1500*time.Millisecond + time.Duration(i%5)*250*time.Millisecond
		bound[sv] = tk
		writeFile(t, filepath.Join(sv, "timeout-kill"), strconv.Itoa(int(tk/time.Millisecond))+"\n")
		// The pid file is written once TERM is ignored: a TERM before
		// that would end the service too early.
		run := "#!/bin/sh\ntrap '' TERM\n"
		if i%2 == 1 {
			session[sv] = true
			writeFile(t, filepath.Join(sv, "new-session"), "")
			run += "sleep 100000 &\nsh -c 'sleep 100000 & exec sleep 100000' &\n"
		}
		run += "echo $$ > pid\nexec sleep 100000\n"
		testkit.WriteScript(t, filepath.Join(sv, "run"), run)
		if i%5 == 4 {
			finishing[sv] = true
			writeFile(t, filepath.Join(sv, "timeout-finish"), strconv.Itoa(int(finishBound/time.Millisecond))+"\n")
			testkit.WriteScript(t, filepath.Join(sv, "finish"), "#!/bin/sh\ntrap '' TERM\necho $$ > finish.pid\nexec sleep 100000\n")
		}
	}
	s := startScanner(t, dir, "SVSCAN_SHUTDOWN_TIMEOUT=1")

	// Ready: every service wrote its pid and runs sleep under it, and, in
	// a session, its children and grandchild sleep too (four sleeps in its
	// group).
	pidOf := func(sv string) int {
		b, _ := os.ReadFile(filepath.Join(sv, "pid"))
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return pid
	}
	notReady := func() []string {
		procs := allProcs(underDir(dir))
		var out []string
		for sv := range bound {
			pid := pidOf(sv)
			want := 1
			if session[sv] {
				want = 4
			}
			n := 0
			for _, p := range procs {
				if p.cwd == sv && len(p.argv) > 0 && p.argv[0] == "sleep" && p.state != 'Z' &&
					(p.pid == pid || session[sv] && pgid(p.pid) == pid) {
					n++
				}
			}
			if pid == 0 || n != want {
				out = append(out, fmt.Sprintf("%s (pid %d, %d of %d sleeps)", filepath.Base(sv), pid, n, want))
			}
		}
		slices.Sort(out)
		return out
	}
	started := time.Now()
	// Minutes: 200 supervise processes, each a Go program that re-executes
	// itself once, and 400 shells, on two loaded cores.
	testkit.Until(t, 10*time.Minute, func() bool { return len(notReady()) == 0 },
		func() string { return fmt.Sprintf("services not ready: %q", notReady()) })
	report(t, "%d services (%d in a session of their own) ready in %v", services, len(session),
		time.Since(started).Round(time.Second))
	// A d read in the second after a start waits for the end of 0.76's
	// pause (supervise(8)), and the KILL with it: the TERM comes after
	// that second for every service, so that what is timed here is the
	// stop alone.
	lastStart := func() time.Time {
		var at time.Time
		for sv := range bound {
			b, _ := os.ReadFile(filepath.Join(sv, "supervise", "status"))
			r, err := svstatus.Decode(b)
			if err != nil {
				return time.Now()
			}
			if w := time.Unix(r.When.Unix(), int64(r.When.Nano)); w.After(at) {
				at = w
			}
		}
		return at
	}
	testkit.Eventually(t, time.Minute, func() bool { return time.Since(lastStart()) > 1100*time.Millisecond },
		"the services' pause after their start never ended")

	// Every process of the tree, and a pidfd for each process of a
	// service, so that the moment each one dies is seen exactly.
	tree := allProcs(func(p proc) bool { return p.state != 'Z' && (p.pid == s.pid() || underDir(dir)(p)) })
	type watched struct {
		proc
		fd   int
		died time.Duration
	}
	var ws []*watched
	for _, p := range tree {
		if _, ok := bound[p.cwd]; !ok || p.argv[0] != "sleep" {
			continue
		}
		fd, err := unix.PidfdOpen(p.pid, 0)
		if err != nil {
			t.Fatalf("pidfd_open %d: %v", p.pid, err)
		}
		defer unix.Close(fd)
		ws = append(ws, &watched{proc: p, fd: fd, died: -1})
	}
	if want := services + 3*len(session); len(ws) != want {
		t.Fatalf("%d service processes, want %d", len(ws), want)
	}

	sent := time.Now()
	s.cmd.Process.Signal(syscall.SIGTERM)
	// Every process ignores TERM: none may die before its timeout-kill.
	last := time.Duration(0)
	for sv, b := range bound {
		if finishing[sv] {
			b += finishBound
		}
		last = max(last, b)
	}
	deadline := sent.Add(last + stopMargin + time.Minute)
	left := len(ws)
	for left > 0 && time.Now().Before(deadline) {
		var fds []unix.PollFd
		var who []*watched
		for _, w := range ws {
			if w.died < 0 {
				fds = append(fds, unix.PollFd{Fd: int32(w.fd), Events: unix.POLLIN})
				who = append(who, w)
			}
		}
		n, err := unix.Poll(fds, 1000)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		at := time.Since(sent)
		for i := 0; n > 0 && i < len(fds); i++ {
			if fds[i].Revents != 0 {
				who[i].died = at
				left--
			}
		}
	}
	var code int
	select {
	case err := <-s.done:
		code = testkit.ExitCode(t, err)
	case <-time.After(time.Until(deadline)):
		t.Fatalf("svscan still running %v after TERM; stderr:\n%s", time.Since(sent), s.log())
	}
	took := time.Since(sent)

	var lateness []time.Duration
	for _, w := range ws {
		tk := bound[w.cwd]
		switch {
		case w.died < 0:
			t.Errorf("%s: %d %q still alive", filepath.Base(w.cwd), w.pid, w.argv)
		case w.died < tk || w.died > tk+stopMargin:
			t.Errorf("%s: %d %q died %v after TERM, timeout-kill %v", filepath.Base(w.cwd), w.pid, w.argv, w.died, tk)
		}
		lateness = append(lateness, w.died-tk)
	}
	slices.Sort(lateness)
	report(t, "svscan exited %d, %v after TERM (longest timeout-kill, with timeout-finish, %v); the %d processes died after their timeout-kill by: median %v, max %v",
		code, took.Round(time.Millisecond), last, len(ws), lateness[len(lateness)/2].Round(time.Millisecond),
		lateness[len(lateness)-1].Round(time.Millisecond))
	want := fmt.Sprintf("svscan: info: shutdown on TERM: stopping %d services\n"+
		"svscan: info: shutdown: stopping 0 log services\n"+
		"svscan: info: shutdown: complete\n", services)
	// (The marker's warnings come from scans before the TERM.) The hung
	// ./finish programs are each warned about once by their supervise.
	got := s.log()
	if i := strings.Index(got, "svscan: info: shutdown"); i >= 0 {
		got = got[i:]
	}
	var svscanLines, warned []string
	for _, line := range strings.SplitAfter(got, "\n") {
		if name, ok := strings.CutSuffix(line, "/finish still running after timeout-finish: sending it KILL\n"); ok {
			warned = append(warned, strings.TrimPrefix(name, "supervise: warning: "))
		} else {
			svscanLines = append(svscanLines, line)
		}
	}
	if got := strings.Join(svscanLines, ""); code != 0 || got != want {
		t.Errorf("exit %d, want 0; stderr from the shutdown on %q, want %q", code, got, want)
	}
	if len(warned) != len(finishing) {
		t.Errorf("%d ./finish killed after timeout-finish, want %d: %q", len(warned), len(finishing), warned)
	}
	if took > last+stopMargin+time.Second {
		t.Errorf("shutdown took %v, longest timeout-kill (with timeout-finish) %v", took, last)
	}
	for sv := range finishing {
		if pid, _ := strconv.Atoi(strings.TrimSpace(readFile(filepath.Join(sv, "finish.pid")))); pid == 0 {
			t.Errorf("%s: ./finish did not run", filepath.Base(sv))
		}
	}
	for _, p := range tree {
		if q, ok := readProc(p.pid); ok && q.state != 'Z' {
			t.Errorf("left running after the shutdown: %d %q", p.pid, p.argv)
		}
	}
	if left := allProcs(func(p proc) bool { return p.state != 'Z' && underDir(dir)(p) }); len(left) > 0 {
		t.Errorf("left running after the shutdown: %v", left)
	}
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// pgid is the process group of pid, 0 when it is gone.
func pgid(pid int) int {
	g, err := unix.Getpgid(pid)
	if err != nil {
		return 0
	}
	return g
}
