package rlimit_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// limit is the soft limit set on RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK
// in these tests: enough for the shell and the tools the services run,
// far below what the Go runtime reserves at start-up (about 720 MB of
// address space and 42 MB of data). A whole number of kB, for ulimit.
const limit = 48 << 20

// limiters are the ways run scripts, init scripts and units set soft
// limits in front of one of our programs, each as a command that sets
// them and then runs its arguments.
func limiters(t *testing.T) map[string][]string {
	n, k := strconv.Itoa(limit), strconv.Itoa(limit/1024)
	out := map[string][]string{
		"our softlimit": {testkit.Path("softlimit"), "-m", n},
		"C softlimit":   {testkit.Oracle(t, "softlimit"), "-m", n},
		"ulimit -S": {"/bin/sh", "-c", "ulimit -S -v " + k + "; ulimit -S -d " + k + "; ulimit -S -s " + k +
			`; exec "$0" "$@"`},
	}
	if _, err := os.Stat("/usr/bin/chpst"); err == nil || os.Getenv("CI") != "" {
		out["chpst -m"] = []string{testkit.Installed(t, "/usr/bin/chpst", "runit"), "-m", n}
	}
	return out
}

// memoryLimits is the part of a /proc/PID/limits table these tests are
// about, with the open-files limit, which Go raises for itself too.
func memoryLimits(table string) string {
	var out []string
	for _, l := range strings.Split(table, "\n") {
		for _, name := range []string{"Max data size", "Max stack size", "Max address space", "Max open files"} {
			if strings.HasPrefix(l, name) {
				out = append(out, strings.Join(strings.Fields(l), " "))
			}
		}
	}
	return strings.Join(out, "\n")
}

// recorder is a run script that writes its process's limits to FILE and
// then sleeps.
func recorder(file string) string {
	return "#!/bin/sh\ncat /proc/$$/limits > " + file + ".new && mv " + file + ".new " + file + "\nexec sleep 100000\n"
}

// readWhenThere waits for file and returns the memory limits in it.
func readWhenThere(t *testing.T, file string) string {
	t.Helper()
	var b []byte
	testkit.Eventually(t, 30*time.Second, func() bool {
		var err error
		b, err = os.ReadFile(file)
		return err == nil
	}, "%s not written", file)
	return memoryLimits(string(b))
}

// startUnder runs argv after the limiter, in dir, and kills it and all
// below it at the end of the test.
func startUnder(t *testing.T, limiter []string, dir string, env []string, argv ...string) {
	t.Helper()
	cmd := exec.Command(limiter[0], append(append([]string(nil), limiter[1:]...), argv...)...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		testkit.KillAll(t, []string{dir}, cmd.Process.Pid)
		<-done
	})
}

// TestSuperviseHandsOnMemoryLimitsAs076: supervise started under soft
// memory limits (however they were set) runs, and ./run gets exactly the
// limits the C supervise gives it.
func TestSuperviseHandsOnMemoryLimitsAs076(t *testing.T) {
	for name, limiter := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			got := map[string]string{}
			for build, sup := range map[string]string{"C": testkit.Oracle(t, "supervise"), "ours": testkit.Path("supervise")} {
				dir := t.TempDir()
				svc := filepath.Join(dir, "s")
				if err := os.Mkdir(svc, 0o755); err != nil {
					t.Fatal(err)
				}
				testkit.WriteScript(t, filepath.Join(svc, "run"), recorder(filepath.Join(dir, "limits")))
				startUnder(t, limiter, dir, []string{"PATH=/usr/bin:/bin"}, sup, "s")
				got[build] = readWhenThere(t, filepath.Join(dir, "limits"))
			}
			if got["C"] != got["ours"] || !strings.Contains(got["ours"], strconv.Itoa(limit)) {
				t.Errorf("./run's limits\nC:\n%s\nours:\n%s", got["C"], got["ours"])
			}
		})
	}
}

// TestSvscanTreeHandsOnMemoryLimitsAs076: svscan started under soft
// memory limits (a unit's LimitAS=, a shell's ulimit, softlimit in
// svscanboot's caller) starts its supervisors, and a service and its
// logger's run get exactly the limits they get in the C tree.
func TestSvscanTreeHandsOnMemoryLimitsAs076(t *testing.T) {
	for name, limiter := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			got := map[string]string{}
			for build, bin := range map[string]string{"C": "/usr/bin", "ours": testkit.Bin} {
				testkit.Oracle(t, "svscan")
				dir := t.TempDir()
				svc := filepath.Join(dir, "s")
				if err := os.MkdirAll(filepath.Join(svc, "log"), 0o755); err != nil {
					t.Fatal(err)
				}
				testkit.WriteScript(t, filepath.Join(svc, "run"), recorder(filepath.Join(dir, "limits")))
				testkit.WriteScript(t, filepath.Join(svc, "log", "run"), recorder(filepath.Join(dir, "loglimits")))
				startUnder(t, limiter, dir, []string{"PATH=" + bin + ":/usr/bin:/bin"}, filepath.Join(bin, "svscan"), dir)
				got[build] = readWhenThere(t, filepath.Join(dir, "limits")) + "\n" + readWhenThere(t, filepath.Join(dir, "loglimits"))
			}
			if got["C"] != got["ours"] || !strings.Contains(got["ours"], strconv.Itoa(limit)) {
				t.Errorf("the services' limits\nC:\n%s\nours:\n%s", got["C"], got["ours"])
			}
		})
	}
}

// TestMultilogUnderMemoryLimitsAs076: multilog under soft memory limits
// logs its input, and its processor gets exactly the limits the C
// multilog's gets.
func TestMultilogUnderMemoryLimitsAs076(t *testing.T) {
	input := strings.Repeat("a line of the log, long enough to fill a file quickly\n", 400)
	for name, limiter := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			got := map[string]string{}
			for build, ml := range map[string]string{"C": testkit.Oracle(t, "multilog"), "ours": testkit.Path("multilog")} {
				dir := t.TempDir()
				lim := filepath.Join(dir, "limits")
				processor := "!/bin/sh -c 'cat; cat /proc/$$/limits > " + lim + "'"
				argv := append(append([]string(nil), limiter[1:]...), ml, "t", "s4096", processor, "./log")
				cmd := exec.Command(limiter[0], argv...)
				cmd.Dir, cmd.Env = dir, []string{"PATH=/usr/bin:/bin"}
				cmd.Stdin = strings.NewReader(input)
				if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
					t.Fatalf("%s multilog: %v %s", build, err, out)
				}
				files, _ := filepath.Glob(filepath.Join(dir, "log", "*"))
				total := 0
				for _, f := range files {
					b, _ := os.ReadFile(f)
					total += len(b)
				}
				got[build+" bytes"] = strconv.Itoa(total)
				got[build] = readWhenThere(t, lim)
			}
			if got["C"] != got["ours"] || !strings.Contains(got["ours"], strconv.Itoa(limit)) {
				t.Errorf("the processor's limits\nC:\n%s\nours:\n%s", got["C"], got["ours"])
			}
			if got["C bytes"] != got["ours bytes"] {
				t.Errorf("the log directories hold %s bytes (C) and %s bytes (ours)", got["C bytes"], got["ours bytes"])
			}
		})
	}
}

// TestHardLimitTooLowSaysSo: under a hard limit far below what the Go
// runtime needs, each program says so in daemontools' style and exits
// 111, instead of the runtime's crash report.
func TestHardLimitTooLowSaysSo(t *testing.T) {
	programs, err := os.ReadDir(testkit.Bin)
	if err != nil || len(programs) != 19 { // 0.76's seventeen, svwait and svinfo
		t.Fatalf("programs in %s: %d, %v", testkit.Bin, len(programs), err)
	}
	for _, c := range []struct{ ulimit, what string }{
		{"ulimit -v 100000", "address space"}, // dash: soft and hard
		{"ulimit -d 10000", "data"},
	} {
		for _, p := range programs {
			// Run in an empty directory with a deadline: should the check
			// not stop it, svscan would scan its working directory.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			cmd := exec.CommandContext(ctx, "/bin/sh", "-c", c.ulimit+` || exit 99; exec "$0"`, testkit.Path(p.Name()))
			cmd.Dir = t.TempDir()
			out, err := cmd.CombinedOutput()
			cancel()
			want := p.Name() + ": fatal: hard limit on " + c.what + " too low for the Go runtime"
			if code := cmd.ProcessState.ExitCode(); code != 111 || !strings.HasPrefix(string(out), want) {
				t.Errorf("%s under %q: exit %d (%v), output %q, want 111 and %q", p.Name(), c.ulimit, code, err, out, want)
			}
		}
	}
}
