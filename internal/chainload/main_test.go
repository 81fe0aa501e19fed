package chainload_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

var programs = []string{"setuidgid", "envuidgid", "envdir", "softlimit", "setlock", "fghack", "pgrphack"}

func TestMain(m *testing.M) { testkit.Main(m, programs...) }

// dump is a shell command line that prints the state of the process it
// runs in (the shell the wrapper exec'd): credentials, signal state,
// limits, process group and session, the environment block as received,
// open descriptors with their flags, and the working directory. The shell
// itself opens nothing while it runs: every listing is done by a child,
// except the status lines, which the shell reads itself before it forks
// anything (dash blocks all signals around a fork, and a child reading
// the shell's status could see that).
const dump = `p=$$
while read -r k v; do
	case $k in Uid:|Gid:|Groups:|SigBlk:|SigIgn:|SigCgt:) echo "$k $v";; esac
done < /proc/$p/status
cat /proc/$p/limits
echo stat
cut -d' ' -f1,5,6 /proc/$p/stat
echo env
tr '\0' '\n' < /proc/$p/environ
echo fds
ls -l /proc/$p/fd
readlink /proc/$p/cwd
cd /proc/$p/fdinfo && grep -r '^flags' .`

// dumpArgv is the program wrappers run in the state tests.
var dumpArgv = []string{"/bin/sh", "-c", dump}

// result is what a run of a program showed.
type result struct {
	stdout, stderr string
	code           int // exit code, or 1000+signal
}

// invocation says how to run a program: its arguments after the name,
// the environment (nil: a small fixed one) and the directory (same uses a
// new temporary one when it is empty).
type invocation struct {
	args []string
	env  []string
	dir  string
}

var defaultEnv = []string{"PATH=/usr/bin:/bin", "A=1", "B=2"}

// start runs path with argv[0] = the program's name and returns what it
// printed and its exit status. os.StartProcess passes env exactly
// (os/exec would remove duplicates).
func start(t *testing.T, path, name string, inv invocation) result {
	t.Helper()
	return startFiles(t, path, name, inv, nil)
}

// startFiles is start with more descriptors from 3 on (nil: closed).
func startFiles(t *testing.T, path, name string, inv invocation, extra []*os.File) result {
	t.Helper()
	env := inv.env
	if env == nil {
		env = defaultEnv
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	or, ow, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	er, ew, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p, err := os.StartProcess(path, append([]string{name}, inv.args...), &os.ProcAttr{
		Dir: inv.dir, Env: env, Files: append([]*os.File{devnull, ow, ew}, extra...),
	})
	ow.Close()
	ew.Close()
	if err != nil {
		or.Close()
		er.Close()
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { io.Copy(&out, or); or.Close(); wg.Done() }()
	go func() { io.Copy(&errb, er); er.Close(); wg.Done() }()
	st, err := p.Wait()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	ws := st.Sys().(syscall.WaitStatus)
	code := ws.ExitStatus()
	if ws.Signaled() {
		code = 1000 + int(ws.Signal())
	}
	return result{out.String(), errb.String(), code}
}

var (
	pipeInode = regexp.MustCompile(`(pipe|socket|anon_inode):\[\d+\]`)
	lsFd      = regexp.MustCompile(`^[-lrwxs]{10} .* (\d+) -> (.*)$`)
)

// normalize removes what differs between any two runs (process ids,
// pipe inode numbers, ls's dates) and keeps what the wrapper decided.
func normalize(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if i > 0 && lines[i-1] == "stat" {
			f := strings.Fields(l)
			if len(f) == 3 {
				lines[i] = "pgrp " + own(f[0], f[1]) + " session " + own(f[0], f[2])
			}
			continue
		}
		if m := lsFd.FindStringSubmatch(l); m != nil {
			l = "fd " + m[1] + " -> " + m[2]
		}
		lines[i] = pipeInode.ReplaceAllString(l, "$1")
	}
	return strings.Join(lines, "\n")
}

func own(pid, id string) string {
	if pid == id {
		return "own"
	}
	return "inherited"
}

// same runs the oracle and ours the same way and fails on any difference
// in output, exit code or dumped state.
func same(t *testing.T, name string, inv invocation) result {
	t.Helper()
	if inv.dir == "" {
		inv.dir = t.TempDir()
	}
	c := start(t, testkit.Oracle(t, name), name, inv)
	g := start(t, testkit.Path(name), name, inv)
	c.stdout, g.stdout = normalize(c.stdout), normalize(g.stdout)
	if c != g {
		t.Errorf("%s %q differs from 0.76: exit C %d ours %d\nstderr C:    %q\nstderr ours: %q\nstdout: %s",
			name, short(inv.args), c.code, g.code, c.stderr, g.stderr, lineDiff(c.stdout, g.stdout))
	}
	return g
}

// short abbreviates the dump command line in messages.
func short(args []string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		if a == dump {
			out[i] = "DUMP"
		}
	}
	return out
}

// lineDiff shows the lines where two outputs differ.
func lineDiff(c, g string) string { return testkit.LineDiff(c, g) }

// withArgs is invocation{args: args}.
func withArgs(args ...string) invocation { return invocation{args: args} }

// dumpAfter is args followed by the state dump.
func dumpAfter(args ...string) invocation {
	return invocation{args: append(args, dumpArgv...)}
}

// writeFile writes content to dir/name.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ourPath and oraclePath name the two builds of a program.
func ourPath(name string) string { return testkit.Path(name) }

func oraclePath(t *testing.T, name string) string { return testkit.Oracle(t, name) }

// testkitScript writes an executable script.
func testkitScript(t *testing.T, path, body string) { testkit.WriteScript(t, path, body) }

// copyForAnyone copies our build of name into a new directory every user
// may enter, for tests that run it as nobody, and returns its path.
func copyForAnyone(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin, err := os.ReadFile(ourPath(name))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}
