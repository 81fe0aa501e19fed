package multilog

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m, "multilog") }

// label matches a TAI64N label; tests replace it by a fixed mask of the
// same length, so sizes still compare.
var label = regexp.MustCompile(`@[0-9a-f]{24}`)

func mask(b []byte) []byte { return label.ReplaceAll(b, []byte("@LLLLLLLLLLLLLLLLLLLLLLLL")) }

// outcome is what one multilog run leaves behind.
type outcome struct {
	code   int
	stderr string
	tree   string // every file under the work directory, masked
}

// runIn runs bin with args in dir, stdin from the file input (so 0.76
// reads full 1024-byte blocks and both programs see the same reads).
func runIn(t *testing.T, bin, dir string, args []string, input []byte, env ...string) outcome {
	t.Helper()
	in := filepath.Join(t.TempDir(), "input")
	if err := os.WriteFile(in, input, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdin = f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(), env...)
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return outcome{code: code, stderr: string(mask(stderr.Bytes())), tree: dumpTree(t, dir)}
}

// dumpTree lists every file under root in name order (timestamps sort in
// time order) with its mode, size and masked content (or a digest).
func dumpTree(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	var names []string
	filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, p)
		return nil
	})
	sort.Strings(names)
	for _, p := range names {
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(&b, "%s %v", mask([]byte(rel)), st.Mode())
		if st.Mode().IsRegular() { // a directory's size depends on its history, not on us
			fmt.Fprintf(&b, " %d", st.Size())
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			data = mask(data)
			if len(data) <= 300 {
				fmt.Fprintf(&b, " %q", data)
			} else {
				fmt.Fprintf(&b, " sha256:%x", sha256.Sum256(data))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// same runs ours and 0.76 on the same script and input, each in its own
// fresh directory, and fails on any difference in exit code, stderr, or
// the files left behind.
func same(t *testing.T, args []string, input []byte, ourEnv ...string) outcome {
	t.Helper()
	oracle := testkit.Oracle(t, "multilog")
	cdir, odir := t.TempDir(), t.TempDir()
	c := runIn(t, oracle, cdir, args, input)
	o := runIn(t, testkit.Path("multilog"), odir, args, input, ourEnv...)
	compare(t, args, c, o)
	return o
}

func compare(t *testing.T, args []string, c, o outcome) {
	t.Helper()
	if c.code != o.code {
		t.Errorf("%q: exit %d, 0.76 exits %d", args, o.code, c.code)
	}
	if c.stderr != o.stderr {
		t.Errorf("%q: stderr differs\nours:\n%s\n0.76:\n%s", args, clip(o.stderr), clip(c.stderr))
	}
	if c.tree != o.tree {
		t.Errorf("%q: files differ\nours:\n%s\n0.76:\n%s", args, o.tree, c.tree)
	}
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "..."
	}
	return s
}

// qmailLines makes n lines that look like qmail-send and qmail-smtpd logs.
func qmailLines(n int, seed int64) []byte {
	r := rand.New(rand.NewSource(seed))
	kinds := []string{
		"status: local %d/10 remote %d/20",
		"new msg %d",
		"info msg %d: bytes 2345 from <a@b.example> qp %d uid 100",
		"starting delivery %d: msg %d to remote x@y.example",
		"delivery %d: success: 1.2.3.4_accepted_message./Remote_host_said:_250_ok/",
		"delivery %d: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/%d",
		"delivery %d: deferral: Sorry,_I_couldn't_find_any_host_by_that_name_(#4.1.2)/%d",
		"delivery %d: deferral: Sorry,_I_wasn't_able_to_establish_an_SMTP_connection._(#4.4.1)/%d",
		"end msg %d",
		"bounce msg %d qp %d",
		"warning: trouble opening local/%d; will try again",
		"%d > 250 ok",
		"%d < HELO mail.example.org",
		"%d < MAIL FROM:<x%d@example.com>",
		"tcpserver: status: %d/40",
		"alert: unusual condition %d",
	}
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, kinds[r.Intn(len(kinds))], r.Intn(100000), r.Intn(100))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// mixedLines makes lines of many lengths, some far over 1000 bytes, with
// NUL and other odd bytes.
func mixedLines(n int, seed int64) []byte {
	r := rand.New(rand.NewSource(seed))
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		var l int
		switch r.Intn(20) {
		case 0:
			l = 900 + r.Intn(200) // around the 1000-byte head
		case 1:
			l = 1000 + r.Intn(9000) // long tails
		case 2:
			l = 0
		default:
			l = r.Intn(200)
		}
		for j := 0; j < l; j++ {
			c := byte('a' + r.Intn(26))
			switch r.Intn(30) {
			case 0:
				c = 0
			case 1:
				c = ' '
			case 2:
				c = 0xff
			}
			b.WriteByte(c)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// waitConsumed polls until nothing is left in the pipe whose write end is w.
func waitConsumed(t *testing.T, w *os.File) {
	t.Helper()
	testkit.Eventually(t, 20*time.Second, func() bool { return pipeBytes(w) == 0 }, "input not consumed")
}

func pipeBytes(f *os.File) int {
	n, err := ioctlFIONREAD(int(f.Fd()))
	if err != nil {
		return -1
	}
	return n
}

// exitCode waits for cmd and returns its exit status.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
			return -int(ws.Signal())
		}
		return ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0
}

func oracleOf(t *testing.T) string { return testkit.Oracle(t, "multilog") }

func ourMultilog() string { return testkit.Path("multilog") }

// namesIn lists dir's entries (without . and ..), for the tests.
func namesIn(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}
