package control_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// A pairing of a supervise with the svc that sends it commands. svstat and
// svok are always run in both builds and compared.
type pairing struct {
	name, supervise, svc string
}

// pairings lists C supervise + our svc, and, once cmd/supervise exists,
// our supervise with our svc and with the C svc.
func pairings(t *testing.T) []pairing {
	ps := []pairing{{"C-supervise/Go-svc", testkit.Oracle(t, "supervise"), testkit.Path("svc")}}
	if goSupervise {
		ps = append(ps,
			pairing{"Go-supervise/Go-svc", testkit.Path("supervise"), testkit.Path("svc")},
			pairing{"Go-supervise/C-svc", testkit.Path("supervise"), testkit.Oracle(t, "svc")})
	}
	return ps
}

func skipWithoutGoSupervise(t *testing.T) {
	if !goSupervise {
		t.Skip("cmd/supervise does not exist yet: only the C supervise was tested")
	}
}

// service is a service directory under a real supervise.
type service struct {
	t         *testing.T
	dir, name string // parent directory and service name
	cmd       *exec.Cmd
	exited    chan struct{}
}

// startService writes ./run (which records its pid in ./pid) and starts
// supervise on it in its own process group, killed whole at cleanup.
func startService(t *testing.T, supervise, body string, down bool) *service {
	t.Helper()
	dir := t.TempDir()
	s := &service{t: t, dir: dir, name: "s", exited: make(chan struct{})}
	must(t, os.Mkdir(s.path(""), 0o755))
	testkit.WriteScript(t, s.path("run"), "#!/bin/sh\necho $$ > pid\n"+body)
	if down {
		must(t, os.WriteFile(s.path("down"), nil, 0o644))
	}
	s.cmd = exec.Command(supervise, "s")
	s.cmd.Dir = dir
	s.cmd.Stderr = os.Stderr
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(t, s.cmd.Start())
	go func() { s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		testkit.KillAll(t, []string{dir}, s.cmd.Process.Pid)
		<-s.exited
	})
	testkit.Eventually(t, 20*time.Second, func() bool {
		return run(t, dir, testkit.Oracle(t, "svok"), "s").code == 0
	}, "supervise did not start in %s", dir)
	return s
}

func (s *service) path(name string) string { return filepath.Join(s.dir, s.name, name) }

// status reads the record directly, independently of both svstats.
func (s *service) status() (svstatus.Record, bool) {
	b, err := os.ReadFile(s.path(svstatus.Status))
	if err != nil {
		return svstatus.Record{}, false
	}
	rec, err := svstatus.Decode(b)
	return rec, err == nil
}

// await polls the status record until cond holds.
func (s *service) await(what string, cond func(svstatus.Record) bool) svstatus.Record {
	s.t.Helper()
	var rec svstatus.Record
	testkit.Eventually(s.t, 20*time.Second, func() bool {
		r, ok := s.status()
		rec = r
		return ok && cond(r)
	}, "status never showed %s; last %+v", what)
	return rec
}

// svstat compares both svstats and checks ours against want (masked).
func (s *service) svstat(want string) {
	s.t.Helper()
	r := same(s.t, s.dir, "svstat", "s")
	if r.stdout != "s: "+want+"\n" || r.code != 0 || r.stderr != "" {
		s.t.Errorf("svstat: %v, want %q", r, want)
	}
}

// svc sends commands with the pairing's svc, which must stay silent.
func (s *service) svc(bin, opts string) {
	s.t.Helper()
	if r := run(s.t, s.dir, bin, opts, "s"); r != (result{}) {
		s.t.Errorf("svc %s: %v", opts, r)
	}
}

// pidOfRun is the pid ./run wrote down.
func (s *service) pidOfRun() int {
	var pid int
	testkit.Eventually(s.t, 10*time.Second, func() bool {
		b, err := os.ReadFile(s.path("pid"))
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	}, "run never wrote its pid")
	return pid
}

func (s *service) awaitExit() {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		s.t.Fatal("supervise did not exit after svc -x")
	}
}

// TestClientsAgainstSupervise walks a normally-up service through up,
// paused, down, up again and exit, with commands from svc and svstat/svok
// of both builds reading the result.
func TestClientsAgainstSupervise(t *testing.T) {
	for _, p := range pairings(t) {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			s := startService(t, p.supervise, "exec sleep 1000\n", false)
			rec := s.await("up", func(r svstatus.Record) bool { return r.PID != 0 })
			if pid := s.pidOfRun(); rec.PID != pid {
				t.Errorf("status pid %d, run pid %d", rec.PID, pid)
			}
			s.svstat("up (pid P) S seconds")
			if r := run(t, s.dir, testkit.Path("svstat"), "s"); !strings.HasPrefix(r.stdout, "s: up (pid "+strconv.Itoa(rec.PID)+") ") {
				t.Errorf("ours printed %q for pid %d", r.stdout, rec.PID)
			}
			same(t, s.dir, "svok", "s")

			s.svc(p.svc, "-p")
			s.await("paused", func(r svstatus.Record) bool { return r.Paused })
			s.svstat("up (pid P) S seconds, paused")

			s.svc(p.svc, "-c")
			s.await("continued", func(r svstatus.Record) bool { return !r.Paused })
			s.svstat("up (pid P) S seconds")

			s.svc(p.svc, "-d")
			s.await("down", func(r svstatus.Record) bool { return r.PID == 0 })
			s.svstat("down S seconds, normally up")

			s.svc(p.svc, "-u")
			s.await("up again", func(r svstatus.Record) bool { return r.PID != 0 })
			s.svstat("up (pid P) S seconds")

			s.svc(p.svc, "-dx")
			s.awaitExit()
			s.svstat("supervise not running")
			if r := same(t, s.dir, "svok", "s"); r.code != 100 {
				t.Errorf("svok after exit: %v", r)
			}
			if r := same(t, s.dir, "svc", "-u", "s"); r.stderr != "svc: warning: unable to control s: supervise not running\n" {
				t.Errorf("svc after exit: %v", r)
			}
		})
	}
}

// TestClientsNormallyDownWantDown: a service with a down file that ignores
// SIGTERM shows "normally down" and, after svc -d, "want down".
func TestClientsNormallyDownWantDown(t *testing.T) {
	for _, p := range pairings(t) {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			s := startService(t, p.supervise, "trap '' TERM\nexec sleep 1000\n", true)
			s.svstat("down S seconds")

			s.svc(p.svc, "-u")
			s.await("up", func(r svstatus.Record) bool { return r.PID != 0 })
			s.pidOfRun() // the trap is set once the pid is written
			s.svstat("up (pid P) S seconds, normally down")

			s.svc(p.svc, "-d")
			s.await("want down", func(r svstatus.Record) bool { return r.PID != 0 && r.Want == 'd' })
			s.svstat("up (pid P) S seconds, normally down, want down")

			s.svc(p.svc, "-p")
			s.await("paused", func(r svstatus.Record) bool { return r.Paused })
			s.svstat("up (pid P) S seconds, normally down, paused, want down")

			s.svc(p.svc, "-k")
			s.await("down", func(r svstatus.Record) bool { return r.PID == 0 })
			s.svstat("down S seconds")

			must(t, os.Remove(s.path(svstatus.OK)))
			s.svstat("unable to open supervise/ok: file does not exist")
			if r := same(t, s.dir, "svok", "s"); r.code != 100 || r.stderr != "" {
				t.Errorf("svok without ok: %v", r)
			}
			s.svc(p.svc, "-x")
			s.awaitExit()
		})
	}
}

// TestOurSuperviseBuilt makes the gap visible in the test log.
func TestOurSuperviseBuilt(t *testing.T) {
	skipWithoutGoSupervise(t)
}
