package chainload_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/daemontools-go/daemontools/internal/testkit"
	"golang.org/x/sys/unix"
)

// ignoring is a shell prefix that ignores signals, then execs "$@".
const ignoring = `trap '' HUP INT QUIT PIPE TERM USR1 USR2 ALRM CHLD WINCH URG; exec "$@"`

// blockedSignals are blocked in the thread that starts the programs, so
// they start with them blocked.
var blockedSignals = []unix.Signal{unix.SIGTERM, unix.SIGUSR2, unix.SIGQUIT, unix.SIGHUP, unix.SIGCHLD, unix.SIGALRM}

var maskMu sync.Mutex

// withBlocked runs f on a locked thread with blockedSignals blocked: a
// Go fork takes the mask of the forking thread.
func withBlocked(f func()) {
	maskMu.Lock()
	defer maskMu.Unlock()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var set, old unix.Sigset_t
	for _, s := range blockedSignals {
		set.Val[(s-1)/64] |= 1 << ((uint(s) - 1) % 64)
	}
	unix.PthreadSigmask(unix.SIG_BLOCK, &set, &old)
	defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	f()
}

// signalState runs path (argv[0] name) with args after the ignoring
// shell, with blockedSignals blocked, and returns the program's dumped
// signal lines.
func signalState(t *testing.T, path, name string, args ...string) string {
	t.Helper()
	var r result
	withBlocked(func() {
		inv := invocation{args: append([]string{"-c", ignoring, "sh", path}, append(args, dumpArgv...)...), dir: t.TempDir()}
		r = start(t, "/bin/sh", "sh", inv)
	})
	if r.code != 0 {
		t.Fatalf("%s: exit %d %s", name, r.code, r.stderr)
	}
	var lines []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "Sig") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

var signalCases = map[string][]string{
	"pgrphack": nil, "fghack": nil, "setuidgid": {"root"}, "envuidgid": {"root"},
	"softlimit": {"-t", "="}, "setlock": {"LOCK"}, "envdir": {"DIR"},
}

// sigArgs fills in the per-test paths.
func sigArgs(t *testing.T, name string) []string {
	args := append([]string(nil), signalCases[name]...)
	for i, a := range args {
		switch a {
		case "LOCK":
			args[i] = filepath.Join(t.TempDir(), "lock")
		case "DIR":
			args[i] = t.TempDir()
		}
	}
	return args
}

// TestIgnoredHupIntStayIgnored: the default build keeps SIGHUP and SIGINT
// ignored for the program when they were ignored at start (Go's runtime
// leaves those two alone). The other dispositions and the mask are only
// put back by the dtgo_rtsig build (TestSignalStateAs076WithRtsigBuild).
func TestIgnoredHupIntStayIgnored(t *testing.T) {
	for name := range signalCases {
		c := signalState(t, oraclePath(t, name), name, sigArgs(t, name)...)
		g := signalState(t, ourPath(name), name, sigArgs(t, name)...)
		if ign(t, c)&3 != 3 || ign(t, g)&3 != 3 {
			t.Errorf("%s: SIGHUP/SIGINT not ignored:\nC:\n%s\nours:\n%s", name, c, g)
		}
	}
}

// ign returns the SigIgn bits of a dump.
func ign(t *testing.T, state string) uint64 {
	for _, l := range strings.Split(state, "\n") {
		if v, ok := strings.CutPrefix(l, "SigIgn: "); ok {
			var n uint64
			for _, c := range v {
				n = n<<4 | uint64(strings.IndexRune("0123456789abcdef", c))
			}
			return n
		}
	}
	t.Fatalf("no SigIgn in %q", state)
	return 0
}

// TestSignalStateAs076WithRtsigBuild builds the programs with the
// dtgo_rtsig tag (and -checklinkname=0) and shows that every ignored
// signal and the whole mask reach the program as with 0.76.
func TestSignalStateAs076WithRtsigBuild(t *testing.T) {
	bin := t.TempDir()
	root, err := testkit.Root()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"build", "-trimpath", "-tags", "dtgo_rtsig", "-ldflags=-checklinkname=0", "-o", bin + "/"}
	for _, name := range programs {
		args = append(args, "./cmd/"+name)
	}
	build := exec.Command("go", args...)
	build.Dir = root
	build.Env = append(append(os.Environ(), "CGO_ENABLED=0"), testkit.TargetEnv()...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for name := range signalCases {
		c := signalState(t, oraclePath(t, name), name, sigArgs(t, name)...)
		g := signalState(t, filepath.Join(bin, name), name, sigArgs(t, name)...)
		if c != g {
			t.Errorf("%s: signal state differs:\nC:\n%s\nours:\n%s", name, c, g)
		}
		if !strings.Contains(c, "SigBlk: 0000000000016805") {
			t.Errorf("%s: the test did not block signals: %s", name, c)
		}
		// The rest of the state is as with the default build.
		inv := dumpAfter(sigArgs(t, name)...)
		inv.dir = t.TempDir()
		cs, gs := start(t, oraclePath(t, name), name, inv), start(t, filepath.Join(bin, name), name, inv)
		if cs.code != gs.code || normalize(cs.stdout) != normalize(gs.stdout) {
			t.Errorf("%s: state differs:%s", name, lineDiff(normalize(cs.stdout), normalize(gs.stdout)))
		}
	}
}
