// Package testkit is shared by the integration tests: it builds the real
// programs once per test package, finds the C oracle in /usr/bin, and polls
// conditions with deadlines instead of sleeping.
package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// Bin is the directory holding the programs built by Main.
var Bin string

// Main builds the named programs (every program under cmd/ when none are
// named) into a temporary directory, sets Bin, runs the tests and removes
// the directory. Use it as the body of TestMain.
//
// With DTGO_TEST_BIN set, Bin is that directory, which holds the programs
// already built by scripts/build.sh for the test binary's architecture,
// and nothing is built: for a test binary made with go test -c and run
// where there is no Go toolchain (the arm64 VM test, vm-tests/README.md).
func Main(m *testing.M, names ...string) {
	if dir := os.Getenv("DTGO_TEST_BIN"); dir != "" {
		Bin = dir
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "dtgo-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testkit:", err)
		os.Exit(2)
	}
	if err := Build(dir, names...); err != nil {
		fmt.Fprintln(os.Stderr, "testkit:", err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	Bin = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Root returns the module's top directory.
func Root() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the module")
	}
	return filepath.Dir(mod), nil
}

// Build compiles the named programs (all when none is named) into dir
// with scripts/build.sh, the release build, so tests run what ships.
func Build(dir string, names ...string) error {
	root, err := Root()
	if err != nil {
		return err
	}
	args := []string{"scripts/build.sh", dir}
	for _, n := range names {
		args = append(args, "./cmd/"+n)
	}
	cmd := exec.Command("sh", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), TargetEnv()...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("scripts/build.sh: %v\n%s", err, out)
	}
	return nil
}

// TargetEnv makes the programs for the architecture the test binary was
// built for, so that a test suite built with GOARCH=s390x (and run under
// user-mode emulation) runs s390x programs, whatever the environment says.
func TargetEnv() []string {
	env := []string{"GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "GOARM", "GO386", "GOAMD64", "GOARM64", "GOMIPS64", "GOPPC64", "GORISCV64":
				env = append(env, s.Key+"="+s.Value)
			}
		}
	}
	return env
}

// Path returns the path of our build of program name.
func Path(name string) string { return filepath.Join(Bin, name) }

// Oracle returns the path of Debian's C build of program name. When it is
// not installed the test is skipped, except under CI (CI set), where it
// fails: .ci/run installs it.
func Oracle(t testing.TB, name string) string {
	t.Helper()
	return Installed(t, "/usr/bin/"+name, "daemontools")
}

// Installed returns path, a program of Debian's package pkg that a test
// needs. When it is missing the test is skipped, except under CI (CI
// set), where it fails: .ci/run installs it.
func Installed(t testing.TB, path, pkg string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing (apt-get install %s)", path, pkg)
		}
		t.Skipf("%s not installed (%s)", path, pkg)
	}
	return path
}

// Eventually polls cond every few milliseconds until it holds or the
// deadline passes, then fails the test with the message.
func Eventually(t testing.TB, within time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	if !Poll(within, cond) {
		t.Fatalf("after %v: "+format, append([]any{within}, args...)...)
	}
}

// Until is Eventually with a message made when the deadline has passed,
// so that it shows the state at that moment, not at the call.
func Until(t testing.TB, within time.Duration, cond func() bool, describe func() string) {
	t.Helper()
	if !Poll(within, cond) {
		t.Fatalf("after %v: %s", within, describe())
	}
}

// Poll reports whether cond held within the duration.
func Poll(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	wait := time.Millisecond
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(wait)
		if wait < 20*time.Millisecond {
			wait *= 2
		}
	}
}

// WriteScript writes an executable file (mode 0755).
func WriteScript(t testing.TB, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}

// LineDiff shows, line by line, where the C build's output c and ours g
// differ; "same" when they do not.
func LineDiff(c, g string) string {
	if c == g {
		return "same"
	}
	cl, gl := strings.Split(c, "\n"), strings.Split(g, "\n")
	var out strings.Builder
	for i := range max(len(cl), len(gl)) {
		var x, y string
		if i < len(cl) {
			x = cl[i]
		}
		if i < len(gl) {
			y = gl[i]
		}
		if x != y {
			fmt.Fprintf(&out, "\n  line %d C:    %q\n  line %d ours: %q", i+1, x, i+1, y)
		}
	}
	return out.String()
}
