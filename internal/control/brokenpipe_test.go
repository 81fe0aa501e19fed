package control_test

import (
	"os"
	"strconv"
	"syscall"
	"testing"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// brokenPipeStatus runs bin with args, standard output and error both a
// pipe whose reader is gone, and returns how it ended: "signal N" or
// "exit N".
func brokenPipeStatus(t *testing.T, bin string, args ...string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	defer w.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	p, err := os.StartProcess(bin, append([]string{bin}, args...), &os.ProcAttr{Dir: t.TempDir(), Files: []*os.File{devnull, w, w}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	ws := st.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return "signal " + ws.Signal().String()
	}
	return "exit " + strconv.Itoa(ws.ExitStatus())
}

// TestBrokenPipeAs076: svok and svstat die of SIGPIPE when the message
// (or the status line) cannot be written because the reader went away,
// as 0.76's do and as package os made them before they left it out; svc
// ignores SIGPIPE, as 0.76's does.
func TestBrokenPipeAs076(t *testing.T) {
	for _, c := range []struct {
		prog string
		args []string
	}{
		{"svok", []string{"/nonexistent"}},
		{"svok", nil},
		{"svstat", []string{"/nonexistent"}},
		{"svc", []string{"-u", "/nonexistent"}},
	} {
		want := brokenPipeStatus(t, testkit.Oracle(t, c.prog), c.args...)
		if got := brokenPipeStatus(t, testkit.Path(c.prog), c.args...); got != want {
			t.Errorf("%s %q, output to a broken pipe: %s, 0.76 %s", c.prog, c.args, got, want)
		}
	}
}
