package tai64n_test

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/tai64"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

type result struct {
	stdout, stderr []byte
	code           int
}

// run feeds input to bin through a file (so reads are full blocks and
// label positions relative to block boundaries are reproducible).
func run(t *testing.T, bin string, env []string, input []byte) result {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(in, input, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return runFrom(t, bin, env, f)
}

func runFrom(t *testing.T, bin string, env []string, stdin *os.File) result {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := testkit.ExitCode(t, cmd.Run())
	return result{out.Bytes(), errb.Bytes(), code}
}

var label = regexp.MustCompile(`(?m)^@[0-9a-f]{24} `)

func maskLabels(b []byte) []byte { return label.ReplaceAll(b, []byte("@L ")) }

// inputs are the shapes both filters must copy faithfully.
var inputs = map[string][]byte{
	"empty":          nil,
	"one line":       []byte("hello\n"),
	"empty lines":    []byte("\n\n\n"),
	"no newline":     []byte("a\nlast"),
	"nul bytes":      []byte("a\x00b\n\x00\n\x00"),
	"long line":      append(bytes.Repeat([]byte("x"), 300_000), '\n'),
	"many lines":     bytes.Repeat([]byte("delivery 1: success: 192.168.1.1_accepted_message./Remote_host_said:_250_ok/\n"), 5000),
	"not at start @": []byte("a @400000006b063e9f1c9ed204 b\n"),
	"high bytes":     []byte("\xff\xfe@\n\r\n"),
}

func TestTai64nLabelsEveryLineLikeC(t *testing.T) {
	for name, in := range inputs {
		c := run(t, testkit.Oracle(t, "tai64n"), nil, in)
		ours := run(t, testkit.Path("tai64n"), nil, in)
		if !bytes.Equal(maskLabels(c.stdout), maskLabels(ours.stdout)) || c.code != ours.code || len(ours.stderr) != 0 {
			t.Errorf("%s: ours exit %d %.200q, C exit %d %.200q", name, ours.code, ours.stdout, c.code, c.stdout)
		}
	}
}

// TestTai64nLabelIsNow: labels are well-formed, current and in order.
func TestTai64nLabelIsNow(t *testing.T) {
	before := tai64.Now()
	out := run(t, testkit.Path("tai64n"), nil, inputs["many lines"]).stdout
	after := tai64.Now()
	prev := before
	for _, line := range bytes.SplitAfter(out, []byte("\n"))[:5000] {
		n, ok := tai64.ParseLabel(line[:tai64.LabelLen])
		if !ok || line[tai64.LabelLen] != ' ' {
			t.Fatalf("bad line %q", line)
		}
		if less(n, prev) || less(after, n) {
			t.Fatalf("label %s not between %s and %s", n.Label(), prev.Label(), after.Label())
		}
		prev = n
	}
}

func less(a, b tai64.N) bool { return a.Sec < b.Sec || a.Sec == b.Sec && a.Nano < b.Nano }

// TestTai64nFlushesWhenInputPauses: through a pipe, a line shows up on the
// output as soon as the writer pauses, before its newline and before end
// of input, and its label is the time its first byte arrived.
func TestTai64nFlushesWhenInputPauses(t *testing.T) {
	for _, bin := range []string{testkit.Oracle(t, "tai64n"), testkit.Path("tai64n")} {
		cmd, w, r := startPiped(t, bin, nil)
		io.WriteString(w, "first ")
		got := make([]byte, tai64.LabelLen+len(" first "))
		if _, err := io.ReadFull(r, got); err != nil {
			t.Fatalf("%s: no output before the newline: %v", bin, err)
		}
		secondHalf := tai64.Now()
		io.WriteString(w, "half\n")
		w.Close()
		rest, _ := io.ReadAll(r)
		cmd.Wait()
		n, ok := tai64.ParseLabel(got[:tai64.LabelLen])
		if !ok || string(got[tai64.LabelLen:]) != " first " || string(rest) != "half\n" {
			t.Fatalf("%s: got %q then %q", bin, got, rest)
		}
		if !less(n, secondHalf) {
			t.Errorf("%s: label %s taken after the line's first byte (%s)", bin, n.Label(), secondHalf.Label())
		}
	}
}

// startPiped starts bin with pipes on stdin and stdout; it is killed
// after 20 seconds, so that a missing flush fails the test instead of
// hanging it.
func startPiped(t *testing.T, bin string, env []string) (*exec.Cmd, io.WriteCloser, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = env
	w, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	kill := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	t.Cleanup(func() { kill.Stop() })
	return cmd, w, bufio.NewReader(stdout)
}

// TestTai64nIOErrorsExit111 covers a write error (/dev/full) and a read
// error (a directory on stdin): exit 111 without a message, like 0.76.
func TestTai64nIOErrorsExit111(t *testing.T) {
	for _, prog := range []string{"tai64n", "tai64nlocal"} {
		for _, bin := range []string{testkit.Oracle(t, prog), testkit.Path(prog)} {
			full := ioError(t, bin, "/dev/full", strings.NewReader("x\n"), nil)
			dir, err := os.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			rd := ioError(t, bin, os.DevNull, nil, dir)
			dir.Close()
			if full != 111 || rd != 111 {
				t.Errorf("%s: exit %d on write error, %d on read error", bin, full, rd)
			}
		}
	}
}

func ioError(t *testing.T, bin, outPath string, in io.Reader, inFile *os.File) int {
	t.Helper()
	out, err := os.OpenFile(outPath, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(bin)
	cmd.Stdout = out
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if inFile != nil {
		cmd.Stdin = inFile
	} else {
		cmd.Stdin = in
	}
	err = cmd.Run()
	if errb.Len() != 0 {
		t.Errorf("%s printed %q", bin, errb.String())
	}
	return testkit.ExitCode(t, err)
}
