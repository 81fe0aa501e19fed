package readproctitle

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m, "readproctitle") }

// cmdline reads what ps(1) shows for pid, NULs as spaces.
func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.TrimSuffix(strings.ReplaceAll(string(b), "\x00", " "), " ")
}

// TestReadproctitleShowsInputInCmdline: the last argument becomes dots at
// once, then the input scrolls in from the right behind three fixed dots,
// NULs ignored — in the process's own argument memory, so /proc/PID/cmdline
// (ps) shows it; at end of input it exits 0. The C program is run on the
// same input for comparison.
func TestReadproctitleShowsInputInCmdline(t *testing.T) {
	for _, bin := range []string{testkit.Path("readproctitle"), testkit.Oracle(t, "readproctitle")} {
		cmd := exec.Command(bin, "service", "errors:", "xxxxxxxxxxxx")
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		want := bin + " service errors: ............"
		testkit.Eventually(t, 5*time.Second, func() bool { return cmdline(pid) == want },
			"%s: cmdline %q, want %q", bin, cmdline(pid), want)
		io.WriteString(in, "ab\x00c\n")
		want = bin + " service errors: ........abc\n"
		testkit.Eventually(t, 5*time.Second, func() bool { return cmdline(pid) == want },
			"%s: cmdline %q, want %q", bin, cmdline(pid), want)
		io.WriteString(in, "0123456789ABCDEF")
		want = bin + " service errors: ...789ABCDEF"
		testkit.Eventually(t, 5*time.Second, func() bool { return cmdline(pid) == want },
			"%s: cmdline %q, want %q", bin, cmdline(pid), want)
		in.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("%s: exit %v, want 0 at end of input", bin, err)
		}
	}
}

// TestReadproctitleBadArgumentsExit100Silently: no argument, or a last
// argument shorter than five bytes.
func TestReadproctitleBadArgumentsExit100Silently(t *testing.T) {
	for _, args := range [][]string{{}, {"abcd"}, {"long enough", ""}} {
		for _, bin := range []string{testkit.Path("readproctitle"), testkit.Oracle(t, "readproctitle")} {
			cmd := exec.Command(bin, args...)
			cmd.Stdin = strings.NewReader("x")
			out, err := cmd.CombinedOutput()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 100 || len(out) != 0 {
				t.Errorf("%s %q: %v %q, want exit 100 and no output", bin, args, err, out)
			}
		}
	}
}

// TestReadproctitleScrollKeepsThreeDots checks the shifting rule alone.
func TestReadproctitleScrollKeepsThreeDots(t *testing.T) {
	title := []byte("zzzzzzz")
	code := Main([]string{"readproctitle", "zzzzzzz"}, title, strings.NewReader("abcdefgh\x00"))
	if code != 0 || !bytes.Equal(title, []byte("...efgh")) {
		t.Errorf("got %d %q", code, title)
	}
}
