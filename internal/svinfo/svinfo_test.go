package svinfo

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m, "svinfo", "supervise") }

func svinfo(t *testing.T, args ...string) (int, []map[string]any, string) {
	t.Helper()
	cmd := exec.Command(testkit.Path("svinfo"), args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := testkit.ExitCode(t, err)
	var objs []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		objs = append(objs, m)
	}
	return code, objs, stderr.String()
}

func service(t *testing.T, root, name, run string, notify bool) string {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	testkit.WriteScript(t, filepath.Join(dir, "run"), run)
	if notify {
		if err := os.WriteFile(filepath.Join(dir, "notification-fd"), []byte("3\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func start(t *testing.T, bin, dir string) {
	t.Helper()
	cmd := exec.Command(bin, dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait()
	testkit.Eventually(t, 20*time.Second, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, svstatus.Status))
		r, err := svstatus.Decode(b)
		return err == nil && r.PID != 0
	}, "%s never started %s", bin, dir)
}

func TestFieldsAndExitCodes(t *testing.T) {
	root := t.TempDir()
	ready := service(t, root, "ready", "#!/bin/sh\necho >&3\nexec sleep 1000\n", true)
	unready := service(t, root, "unready", "#!/bin/sh\nexec sleep 1000\n", true)
	c := service(t, root, "c", "#!/bin/sh\nexec sleep 1000\n", false)
	none := service(t, root, "none", "#!/bin/sh\nexec sleep 1000\n", false)
	testkit.KillAllAtCleanup(t, []string{root})
	start(t, testkit.Path("supervise"), ready)
	start(t, testkit.Path("supervise"), unready)
	start(t, testkit.Oracle(t, "supervise"), c)
	testkit.Eventually(t, 20*time.Second, func() bool {
		_, objs, _ := svinfo(t, ready)
		return len(objs) == 1 && objs[0]["ready"] == true
	}, "never ready")

	code, objs, stderr := svinfo(t, ready, unready, c, none, filepath.Join(root, "missing"))
	if code != 1 || len(objs) != 5 || stderr != "" {
		t.Fatalf("exit %d, %d objects, stderr %q", code, len(objs), stderr)
	}
	r, u, cc, n, m := objs[0], objs[1], objs[2], objs[3], objs[4]
	for _, f := range []struct {
		obj  map[string]any
		key  string
		want any
	}{
		{r, "dir", ready}, {r, "extended", true}, {r, "running", true}, {r, "up", true}, {r, "ready", true},
		{r, "state", "up"}, {r, "notification-fd", 3.0}, {r, "starts", 1.0}, {r, "want", "up"},
		{r, "paused", false}, {r, "normallyup", true}, {r, "exitcode", -1.0}, {r, "exited", nil},
		{u, "up", true}, {u, "ready", false}, {u, "readysince", nil}, {u, "readysince_unix", nil},
		{cc, "extended", false}, {cc, "up", true}, {cc, "ready", true}, {cc, "state", nil},
		{n, "running", false}, {n, "error", "supervise not running"},
		{m, "error", "unable to chdir: file does not exist"},
	} {
		if got := f.obj[f.key]; got != f.want {
			t.Errorf("%s: %s = %#v, want %#v", f.obj["dir"], f.key, got, f.want)
		}
	}
	if r["pid"] != r["statepid"] || r["pid"].(float64) == 0 || r["supervisor"].(float64) == 0 {
		t.Errorf("pids: %v", r)
	}
	// The two forms of a stamp name the same moment.
	label, unix := r["readysince"].(string), r["readysince_unix"].(float64)
	if n, ok := parseLabelUnix(label); !ok || n-unix > 1e-5 || unix-n > 1e-5 {
		t.Errorf("readysince %q and readysince_unix %v differ", label, unix)
	}

	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{ready, c}, 0}, {[]string{"-U", ready, c}, 0}, {[]string{"-U", ready, unready}, 1},
		{[]string{"-u", unready}, 0}, {[]string{none}, 1},
	} {
		if code, _, _ := svinfo(t, c.args...); code != c.code {
			t.Errorf("svinfo %q: exit %d, want %d", c.args, code, c.code)
		}
	}
	for _, args := range [][]string{nil, {"-x", ready}} {
		if code, objs, stderr := svinfo(t, args...); code != 100 || len(objs) != 0 || !strings.Contains(stderr, "svinfo: usage: svinfo [ -u | -U ] dir ...\n") {
			t.Errorf("svinfo %q: exit %d %q", args, code, stderr)
		}
	}
}

// parseLabelUnix turns @TAI64N into Unix seconds.
func parseLabelUnix(label string) (float64, bool) {
	if len(label) != 25 || label[0] != '@' {
		return 0, false
	}
	var sec, nano uint64
	for _, c := range label[1:17] {
		sec = sec<<4 | uint64(strings.IndexRune("0123456789abcdef", c))
	}
	for _, c := range label[17:] {
		nano = nano<<4 | uint64(strings.IndexRune("0123456789abcdef", c))
	}
	return float64(sec-(1<<62+10)) + float64(nano)/1e9, true
}
