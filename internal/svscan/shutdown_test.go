package svscan

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// talker prints a line when it starts and a last line in its TERM
// handler, then exits.
const talker = `#!/bin/sh
trap 'echo "final line from talker"; exit 0' TERM
echo started
while :; do sleep 0.05; done
`

const multilogMain = "#!/bin/sh\nexec multilog ./main\n"

// notifySocket listens where svscan's NOTIFY_SOCKET points and returns the
// messages as they come.
func notifySocket(t *testing.T) (string, <-chan string) {
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	msgs := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	return path, msgs
}

// receive waits for the next message other than STATUS= (status_test.go
// looks at those) and checks that it is want.
func receive(t *testing.T, msgs <-chan string, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-msgs:
			if strings.HasPrefix(m, "STATUS=") {
				continue
			}
			if m != want {
				t.Fatalf("NOTIFY_SOCKET got %q, want %q", m, want)
			}
			return
		case <-deadline:
			t.Fatalf("no %q on NOTIFY_SOCKET", want)
		}
	}
}

// TestSvscanOrderedShutdownOnTERM: READY=1 once every supervise runs; on
// TERM, STOPPING=1, services down first, then loggers, so the line the
// service writes in its TERM handler reaches the log, which multilog
// closes cleanly (mode 0744); every step on stderr; exit 0; nothing left
// running. NOTIFY_SOCKET is not passed on to services.
func TestSvscanOrderedShutdownOnTERM(t *testing.T) {
	dir := t.TempDir()
	talk := makeService(t, filepath.Join(dir, "talk"), talker, multilogMain)
	plain := makeService(t, filepath.Join(dir, "plain"), "#!/bin/sh\nenv > env.out\nexec sleep 1000\n", "")
	sock, msgs := notifySocket(t)
	s := ourScan(t, dir, "NOTIFY_SOCKET="+sock)
	receive(t, msgs, "READY=1")
	kids := children(s.pid())
	if len(kids) != 3 {
		t.Fatalf("READY=1 with %d supervise processes running, want 3: %v", len(kids), kids)
	}
	waitUp(t, plain, 10*time.Second)
	waitUp(t, filepath.Join(talk, "log"), 10*time.Second)
	current := filepath.Join(talk, "log", "main", "current")
	testkit.Eventually(t, 10*time.Second, func() bool { return contains(lines(current), "started") },
		"talker's first line not logged")
	testkit.Eventually(t, 10*time.Second, func() bool { return len(lines(filepath.Join(plain, "env.out"))) > 0 },
		"plain did not write env.out")
	if env := lines(filepath.Join(plain, "env.out")); strings.Contains(strings.Join(env, "\n"), "NOTIFY_SOCKET") {
		t.Errorf("service inherited NOTIFY_SOCKET: %q", env)
	}

	all := descendants(s.pid())
	s.signal(syscall.SIGTERM)
	receive(t, msgs, "STOPPING=1")
	if code := s.exitCode(30 * time.Second); code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, s.stderr)
	}
	want := "svscan: info: shutdown on TERM: stopping 2 services\n" +
		"svscan: info: shutdown: stopping 1 log service\n" +
		"svscan: info: shutdown: complete\n"
	if got := s.stderr.String(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	got := lines(current)
	if len(got) < 2 || got[len(got)-1] != "final line from talker" {
		t.Errorf("log %q does not end with the TERM handler's line", got)
	}
	if st, err := os.Stat(current); err != nil || st.Mode().Perm() != 0o744 {
		t.Errorf("current not finished cleanly by multilog: %v %v", st.Mode(), err)
	}
	for _, pid := range all {
		if p, ok := readProc(pid); ok && p.state != 'Z' {
			t.Errorf("still running after shutdown: %v", p)
		}
	}
}

// TestSvscanShutdownTimeoutSendsKILL: a service that ignores TERM is
// killed when SVSCAN_SHUTDOWN_TIMEOUT expires; exit 111.
func TestSvscanShutdownTimeoutSendsKILL(t *testing.T) {
	dir := t.TempDir()
	stubborn := makeService(t, filepath.Join(dir, "stubborn"), "#!/bin/sh\ntrap '' TERM\necho set > trapped\nexec sleep 1000\n", "")
	s := ourScan(t, dir, "SVSCAN_SHUTDOWN_TIMEOUT=1")
	pid := waitUp(t, stubborn, 10*time.Second)
	// The pid is in supervise/status as soon as supervise has forked: a
	// TERM before the trap is set would end the service.
	testkit.Eventually(t, 10*time.Second, func() bool { _, err := os.Stat(filepath.Join(stubborn, "trapped")); return err == nil },
		"the service did not set its trap")
	s.signal(syscall.SIGTERM)
	if code := s.exitCode(30 * time.Second); code != 111 {
		t.Fatalf("exit %d, want 111; stderr:\n%s", code, s.stderr)
	}
	want := "svscan: info: shutdown on TERM: stopping 1 service\n" +
		"svscan: warning: shutdown: timeout (1s) reached, sending KILL to 1 service\n" +
		"svscan: info: shutdown: stopping 0 log services\n" +
		"svscan: info: shutdown: complete after KILL\n"
	if got := s.stderr.String(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		p, ok := readProc(pid)
		return !ok || p.state == 'Z'
	}, "service %d survived the shutdown", pid)
}

// TestSvscanOldShutdownProcedureStillWorks: 0.76's way, "svc -dx
// /service/* /service/*/log" and then killing svscan, still leaves nothing
// running, and TERM then finds nothing to stop.
func TestSvscanOldShutdownProcedureStillWorks(t *testing.T) {
	dir := t.TempDir()
	talk := makeService(t, filepath.Join(dir, "talk"), talker, multilogMain)
	s := ourScan(t, dir)
	waitUp(t, talk, 10*time.Second)
	waitUp(t, filepath.Join(talk, "log"), 10*time.Second)
	all := descendants(s.pid())
	out, err := exec.Command("/bin/sh", "-c", tool(t, "svc")+" -dx "+dir+"/* "+dir+"/*/log").CombinedOutput()
	if err != nil {
		t.Fatalf("svc: %v %s", err, out)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		for _, pid := range all {
			if p, ok := readProc(pid); ok && p.state != 'Z' {
				return false
			}
		}
		return true
	}, "processes left after svc -dx")
	s.signal(syscall.SIGTERM)
	if code := s.exitCode(30 * time.Second); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr)
	}
	// (Whether the talker's last line reaches the log here is a race, as
	// in 0.76: svc stops the logger at the same time as the service.)
	// (A periodic scan may have restarted the supervisors before TERM;
	// then the shutdown stops them.)
	if got := s.stderr.String(); !strings.HasSuffix(got, "svscan: info: shutdown: complete\n") {
		t.Errorf("stderr %q", got)
	}
}

// TestSvscanAsPID1ReapsOrphansAndStopsOnINT: as process 1 of a PID
// namespace svscan reaps orphans reparented to it, and INT shuts down in
// order like TERM.
func TestSvscanAsPID1ReapsOrphansAndStopsOnINT(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("needs unshare(1) and root")
	}
	dir := t.TempDir()
	// Twenty orphans: each background sleep's parent exits at once.
	orphans := makeService(t, filepath.Join(dir, "orphans"),
		"#!/bin/sh\nfor i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do\n"+
			"  (sleep 0.05 &)\ndone\necho spawned > spawned\nexec sleep 1000\n", "")
	s := startWrapped(t, []string{unshare, "-fp", "--mount-proc"}, testkit.Path("svscan"), dir, tool(t, "supervise"))
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(orphans, "spawned"))
		return err == nil
	}, "orphan maker did not run; stderr:\n%s", s.stderr)
	testkit.Eventually(t, 3*time.Second, func() bool {
		for _, c := range children(s.pid()) {
			// (sleep 1000 is the service itself, svscan's child under
			// in-process supervision.)
			if c.state == 'Z' || (len(c.argv) > 1 && c.argv[0] == "sleep" && c.argv[1] == "0.05") {
				return false
			}
		}
		return true
	}, "orphans not reaped: %v", children(s.pid()))
	s.signal(syscall.SIGINT)
	if code := s.exitCode(30 * time.Second); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr)
	}
	if !strings.HasPrefix(s.stderr.String(), "svscan: info: shutdown on INT: stopping 1 service\n") {
		t.Errorf("stderr %q", s.stderr)
	}
}

// TestSvscanShutdownStopsLoggerIgnoringEOF: a logger that does not stop
// at end of input gets "d" after the nudge delay and the shutdown still
// ends cleanly.
func TestSvscanShutdownStopsLoggerIgnoringEOF(t *testing.T) {
	dir := t.TempDir()
	svc := makeService(t, filepath.Join(dir, "svc"), sleeper, sleeper)
	s := ourScan(t, dir, "SVSCAN_SHUTDOWN_TIMEOUT=4")
	waitUp(t, svc, 10*time.Second)
	waitUp(t, filepath.Join(svc, "log"), 10*time.Second)
	s.signal(syscall.SIGTERM)
	if code := s.exitCode(30 * time.Second); code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, s.stderr)
	}
	if got := s.stderr.String(); !strings.HasSuffix(got, "svscan: info: shutdown: complete\n") {
		t.Errorf("stderr %q", got)
	}
}

// TestSvscanShutdownLetsALoggerFinishItsBacklog: a logger still working
// through a backlog in its pipe when the nudge delay has passed (a slow
// disk, here a reader that takes 20 ms a line) is not sent "d": it reads
// to the end, and every line the service wrote is logged.
func TestSvscanShutdownLetsALoggerFinishItsBacklog(t *testing.T) {
	const n = 400 // about ten seconds of reading, twice the nudge delay
	dir := t.TempDir()
	svc := makeService(t, filepath.Join(dir, "svc"),
		"#!/bin/sh\ni=0\nwhile [ $i -lt "+strconv.Itoa(n)+" ]; do echo line$i; i=$((i+1)); done\n: > ../written\nexec sleep 1000\n",
		"#!/bin/sh\nwhile IFS= read -r l; do echo \"$l\" >> out; sleep 0.02; done\n")
	s := ourScan(t, dir, "SVSCAN_SHUTDOWN_TIMEOUT=300")
	testkit.Eventually(t, 20*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(dir, "written"))
		return err == nil
	}, "the service did not write its lines")
	s.signal(syscall.SIGTERM)
	if code := s.exitCode(5 * time.Minute); code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, s.stderr)
	}
	got := lines(filepath.Join(svc, "log", "out"))
	if len(got) != n || got[n-1] != "line"+strconv.Itoa(n-1) {
		t.Errorf("logged %d lines of %d, the last %q; stderr:\n%s", len(got), n, got[len(got)-1:], s.stderr)
	}
}

// TestSvscanShutdownHonoursTimeoutKill: a service that ignores TERM and
// has timeout-kill is killed by its own supervise after timeout-kill,
// whether that is shorter than SVSCAN_SHUTDOWN_TIMEOUT (300 ms against
// 1 s) or longer (2.5 s against 1 s: svscan waits for it instead of
// cutting it short); the shutdown is then clean (exit 0, no KILL from
// svscan).
func TestSvscanShutdownHonoursTimeoutKill(t *testing.T) {
	if !ours["supervise"] {
		t.Skip("timeout-kill needs our supervise")
	}
	dir := t.TempDir()
	stubborn := "#!/bin/sh\ntrap '' TERM\necho set > trapped\nexec sleep 1000\n"
	bounds := map[string]time.Duration{"short": 300 * time.Millisecond, "long": 2500 * time.Millisecond}
	pids := map[string]int{}
	for name, bound := range bounds {
		sv := makeService(t, filepath.Join(dir, name), stubborn, "")
		ms := strconv.Itoa(int(bound / time.Millisecond))
		for file, content := range map[string]string{"timeout-kill": ms + "\n", "restart-delay": "0\n"} {
			if err := os.WriteFile(filepath.Join(sv, file), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	s := ourScan(t, dir, "SVSCAN_SHUTDOWN_TIMEOUT=1")
	for name := range bounds {
		sv := filepath.Join(dir, name)
		pids[name] = waitUp(t, sv, 10*time.Second)
		testkit.Eventually(t, 10*time.Second, func() bool { _, err := os.Stat(filepath.Join(sv, "trapped")); return err == nil },
			"%s did not set its trap", name)
	}
	sent := time.Now()
	s.signal(syscall.SIGTERM)
	died := map[string]time.Duration{}
	testkit.Eventually(t, 20*time.Second, func() bool {
		for name, pid := range pids {
			if p, ok := readProc(pid); (!ok || p.state == 'Z') && died[name] == 0 {
				died[name] = time.Since(sent)
			}
		}
		return len(died) == len(pids)
	}, "services not killed: %v", died)
	if code := s.exitCode(30 * time.Second); code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, s.stderr)
	}
	for name, bound := range bounds {
		if died[name] < bound || died[name] > bound+2*time.Second {
			t.Errorf("%s (timeout-kill %v): killed %v after TERM", name, bound, died[name])
		}
	}
	want := "svscan: info: shutdown on TERM: stopping 2 services\n" +
		"svscan: info: shutdown: stopping 0 log services\n" +
		"svscan: info: shutdown: complete\n"
	if got := s.stderr.String(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}

// TestSvscanShutdownSendsDownSignal: the shutdown's "dx" makes our
// supervise send the service's down-signal instead of TERM.
func TestSvscanShutdownSendsDownSignal(t *testing.T) {
	if !ours["supervise"] {
		t.Skip("down-signal needs our supervise")
	}
	dir := t.TempDir()
	sv := makeService(t, filepath.Join(dir, "hup"),
		"#!/bin/sh\ntrap '' TERM\ntrap 'echo HUP > got; exit 0' HUP\necho set > trapped\nwhile :; do sleep 0.05; done\n", "")
	for file, content := range map[string]string{"down-signal": "HUP\n", "restart-delay": "0\n"} {
		if err := os.WriteFile(filepath.Join(sv, file), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := ourScan(t, dir, "SVSCAN_SHUTDOWN_TIMEOUT=20")
	waitUp(t, sv, 10*time.Second)
	testkit.Eventually(t, 10*time.Second, func() bool { _, err := os.Stat(filepath.Join(sv, "trapped")); return err == nil },
		"the service did not set its traps")
	s.signal(syscall.SIGTERM)
	if code := s.exitCode(30 * time.Second); code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, s.stderr)
	}
	if got := lines(filepath.Join(sv, "got")); len(got) != 1 || got[0] != "HUP" {
		t.Errorf("the service got %q, want HUP", got)
	}
}

// TestUnreadBytesCountsAPipe: FIONREAD's count is the bytes written, on
// every architecture (scripts/emulated-tests.sh runs it for s390x, where
// a 64-bit read of the kernel's int gave 5<<32 for 5).
func TestUnreadBytesCountsAPipe(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	for _, want := range []int{0, 5, 70000} {
		if want > 0 {
			if _, err := unix.FcntlInt(uintptr(p[1]), unix.F_SETPIPE_SZ, 1<<17); err != nil {
				t.Fatal(err)
			}
			if _, err := unix.Write(p[1], make([]byte, want)); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := unreadBytes(p[0]); err != nil || n != want {
			t.Fatalf("unreadBytes %d, %v; want %d", n, err, want)
		}
		buf := make([]byte, want)
		for got := 0; got < want; {
			k, err := unix.Read(p[0], buf[got:])
			if err != nil {
				t.Fatal(err)
			}
			got += k
		}
	}
}
