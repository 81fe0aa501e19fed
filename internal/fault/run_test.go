//go:build fault

package fault

import (
	"bytes"
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// result is what one run of a program left behind.
type result struct {
	stdout, stderr []byte
	code           int // exit status, -1 when killed by a signal
	signal         int // the signal that killed it, 0 when none
}

// run runs argv with env in dir, stdin as input, for at most a minute.
func run(t testing.TB, dir string, env []string, stdin []byte, argv ...string) result {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	err := cmd.Wait()
	timer.Stop()
	r := result{stdout: out.Bytes(), stderr: errb.Bytes()}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	r.code = ws.ExitStatus()
	if ws.Signaled() {
		r.signal = int(ws.Signal())
	}
	return r
}

// same reports whether two runs agree on exit status, stdout and stderr.
func (r result) same(o result) bool {
	return r.code == o.code && r.signal == o.signal &&
		bytes.Equal(r.stdout, o.stdout) && bytes.Equal(r.stderr, o.stderr)
}
