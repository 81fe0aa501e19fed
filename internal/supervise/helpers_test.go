package supervise

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

func TestMain(m *testing.M) {
	syscall.Umask(0o022) // the modes in the facts sheet are with umask 022
	closeInheritedOnExec()
	testkit.Main(m, "supervise", "svstat")
}

// closeInheritedOnExec keeps descriptors this test process inherited
// from its own parent out of supervise and the services, so that the
// descriptor checks see only what supervise passes on.
func closeInheritedOnExec() {
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}

// within is the deadline for conditions that normally hold in
// milliseconds; the machine may be loaded.
const within = 15 * time.Second

// ours and theirs name the two supervise programs.
func ours(t *testing.T) string   { return testkit.Path("supervise") }
func theirs(t *testing.T) string { return testkit.Oracle(t, "supervise") }

// service is one service directory and, once started, the supervise
// process running on it.
type service struct {
	t      *testing.T
	dir    string // absolute path
	cmd    *exec.Cmd
	errOut string   // supervise's stderr (shared by ./run)
	env    []string // supervise's environment; a default when nil
	done   chan struct{}
	state  *os.ProcessState
	// statusErr says why supervise/status could not be read last time.
	statusErr string
}

// newService makes a service directory whose run script is body (no run
// file when body is empty). Options: "down" creates ./down; any other
// "name=content" writes a file.
func newService(t *testing.T, body string, files ...string) *service {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sv")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if body != "" {
		testkit.WriteScript(t, filepath.Join(dir, "run"), "#!/bin/sh\n"+body+"\n")
	}
	for _, f := range files {
		name, content, _ := strings.Cut(f, "=")
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &service{t: t, dir: dir}
}

// start runs bin on the service directory (given relative to its
// parent, so messages show "sv") and waits until supervise/ok has a
// reader, as svok would.
func (s *service) start(bin string) *service {
	s.t.Helper()
	s.launch(bin, "sv")
	testkit.Eventually(s.t, within, func() bool { return s.ok() || s.exited() }, "supervise never opened %s/supervise/ok", s.dir)
	if s.exited() {
		s.t.Fatalf("supervise exited: %v; stderr %q", s.state, s.stderr())
	}
	return s
}

// launch starts bin with args without waiting for anything.
func (s *service) launch(bin string, args ...string) {
	s.t.Helper()
	s.launchCmd(exec.Command(bin, args...))
}

func (s *service) launchCmd(cmd *exec.Cmd) {
	s.t.Helper()
	s.errOut = filepath.Join(filepath.Dir(s.dir), "stderr")
	f, err := os.OpenFile(s.errOut, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	s.cmd = cmd
	s.cmd.Dir = filepath.Dir(s.dir)
	s.cmd.Stdout, s.cmd.Stderr = f, f
	s.cmd.Env = s.env
	if s.env == nil {
		s.cmd.Env = []string{"PATH=/usr/bin:/bin", "SVTEST=1"}
	}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func() {
		s.cmd.Wait()
		s.state = s.cmd.ProcessState
		close(s.done)
	}()
	s.t.Cleanup(s.kill)
}

// kill ends supervise and its service without ceremony.
func (s *service) kill() {
	testkit.KillAll(s.t, []string{s.dir}, s.cmd.Process.Pid)
	<-s.done
}

func (s *service) pid() int { return s.cmd.Process.Pid }

func (s *service) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// exitStatus waits for supervise to exit and returns its exit code (-1
// when killed by a signal).
func (s *service) exitStatus() int {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(within):
		s.t.Fatalf("supervise still running after %v", within)
	}
	return s.state.ExitCode()
}

func (s *service) stderr() string {
	b, _ := os.ReadFile(s.errOut)
	return string(b)
}

// ok reports whether supervise/ok has a reader (svok's test).
func (s *service) ok() bool {
	fd, err := syscall.Open(filepath.Join(s.dir, svstatus.OK), syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	syscall.Close(fd)
	return true
}

// send writes command bytes to supervise/control, as svc does.
func (s *service) send(cmds string) {
	s.t.Helper()
	f, err := os.OpenFile(filepath.Join(s.dir, svstatus.Control), os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		s.t.Fatalf("open control: %v", err)
	}
	defer f.Close()
	if _, err := f.WriteString(cmds); err != nil {
		s.t.Fatalf("write control: %v", err)
	}
}

func (s *service) status() (svstatus.Record, bool) {
	b, err := os.ReadFile(filepath.Join(s.dir, svstatus.Status))
	if err != nil || len(b) != svstatus.Size {
		s.statusErr = fmt.Sprintf("%v, %d bytes", err, len(b))
		return svstatus.Record{}, false
	}
	r, err := svstatus.Decode(b)
	return r, err == nil
}

// waitStatus polls supervise/status until cond holds and returns it.
func (s *service) waitStatus(what string, cond func(svstatus.Record) bool) svstatus.Record {
	s.t.Helper()
	var r svstatus.Record
	testkit.Until(s.t, within, func() bool {
		var ok bool
		r, ok = s.status()
		return ok && cond(r)
	}, func() string {
		return fmt.Sprintf("status never showed %s; last %+v (%s); stderr %q", what, r, s.statusErr, s.stderr())
	})
	return r
}

func (s *service) waitUp() svstatus.Record {
	s.t.Helper()
	return s.waitStatus("up", func(r svstatus.Record) bool { return r.PID != 0 })
}

func (s *service) waitDown() svstatus.Record {
	s.t.Helper()
	return s.waitStatus("down", func(r svstatus.Record) bool { return r.PID == 0 })
}

// waitNewPID waits for a running pid other than old.
func (s *service) waitNewPID(old int) svstatus.Record {
	s.t.Helper()
	return s.waitStatus("a new pid", func(r svstatus.Record) bool { return r.PID != 0 && r.PID != old })
}

// file returns the content of a file in the service directory.
func (s *service) file(name string) string {
	b, _ := os.ReadFile(filepath.Join(s.dir, name))
	return string(b)
}

// waitFile waits until the file in the service directory contains want.
func (s *service) waitFile(name, want string) {
	s.t.Helper()
	testkit.Eventually(s.t, within, func() bool { return strings.Contains(s.file(name), want) },
		"%s never contained %q; has %q", name, want, s.file(name))
}

// procStatus returns the named field of /proc/PID/status.
func procStatus(pid int, field string) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// kB parses a "123 kB" field of /proc/PID/status.
func kB(pid int, field string) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(procStatus(pid, field), " kB"))
	return n
}

// procState is the one-letter state of /proc/PID/stat (R, S, T, Z...).
func procState(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return ""
	}
	return string(b[i+2])
}

// sleeping reports whether pid is sleep(1) waiting in its sleep system call:
// past exec, and past the dynamic loader, which holds descriptors of its own
// (the libraries it maps) for a moment after the exec. sleep(1) is the
// host's: under emulation (scripts/emulated-tests.sh) its system calls
// are numbered as x86-64's, not as this test's architecture numbers them.
func sleeping(pid int) bool {
	if procStatus(pid, "Name") != "sleep" {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/syscall")
	if err != nil {
		return false
	}
	nr, _, _ := strings.Cut(string(b), " ")
	abi := testkit.SyscallABI(pid)
	if abi == "amd64" {
		return nr == "230" || nr == "35" // clock_nanosleep, nanosleep
	}
	if abi == runtime.GOARCH {
		return nr == strconv.Itoa(syscall.SYS_CLOCK_NANOSLEEP) || nr == strconv.Itoa(syscall.SYS_NANOSLEEP)
	}
	return false // gone, or an architecture whose numbers this test lacks
}

// openFDs lists /proc/PID/fd.
func openFDs(t *testing.T, pid int) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	var fds []string
	for _, e := range ents {
		fds = append(fds, e.Name())
	}
	return fds
}

// heldFDs lists the descriptors supervise keeps: /proc/PID/fd without
// the ones it opens for an instant (status.new and state.new while it
// writes them, a file of the service directory while it reads an option)
// and without those closed while they were being looked at.
func heldFDs(t *testing.T, pid int, dir string) []string {
	t.Helper()
	var fds []string
	for _, fd := range openFDs(t, pid) {
		target, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + fd)
		if err != nil || transientFD(target, dir) {
			continue
		}
		fds = append(fds, fd)
	}
	return fds
}

// transientFD: a descriptor on status.new or state.new, or on a regular
// file of the service directory dir other than supervise/lock.
func transientFD(target, dir string) bool {
	if !strings.HasPrefix(target, dir+"/") || strings.HasSuffix(target, "/supervise/lock") {
		return false
	}
	if strings.HasSuffix(target, "/status.new") || strings.HasSuffix(target, "/state.new") {
		return true
	}
	st, err := os.Stat(target)
	return err == nil && st.Mode().IsRegular()
}

// children lists the pids whose parent is pid.
func children(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, w := range strings.Fields(string(b)) {
			n, _ := strconv.Atoi(w)
			out = append(out, n)
		}
	}
	return out
}

// run runs a program to completion and returns its combined output and
// exit code.
func run(t *testing.T, dir, bin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s: %v", bin, err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}
