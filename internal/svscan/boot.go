package svscan

import (
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/djb"
)

// BootPath is the PATH svscanboot sets, as in 0.76's script.
const BootPath = "/command:/usr/local/bin:/usr/local/sbin:/bin:/sbin:/usr/bin:/usr/sbin:/usr/X11R6/bin"

// BootDir is the directory svscanboot scans when given none (0.76
// upstream and the HOW-TO use /service).
const BootDir = "/service"

// bootTitle is readproctitle's argument list: "service errors: " and 400
// dots, exactly as 0.76's svscanboot.
var bootTitle = []string{"service", "errors:", strings.Repeat(".", 400)}

// Boot is svscanboot: "svscanboot [-k] [dir]". It does what 0.76's shell
// script does, step by step:
//
//	PATH=BootPath
//	exec </dev/null >/dev/null 2>/dev/null
//	svc -dx DIR/* DIR/*/log
//	env - PATH=$PATH svscan DIR 2>&1 | env - PATH=$PATH readproctitle service errors: ....
//
// svc, svscan and readproctitle are found along that PATH. It returns the
// pipeline's status, which is readproctitle's.
//
// With -k (keep) the svc -dx step is left out: supervise processes still
// running in DIR, from an earlier svscan or another package's, are not
// stopped, and svscan takes them over with their log pipes (adopt.go), so
// their services run on without a restart. The init script uses it, and
// the switch from Debian's daemontools-run.
func Boot(args []string) int {
	keep := false
	if len(args) > 1 && args[1] == "-k" {
		keep = true
		args = args[1:]
	}
	dir := BootDir
	if len(args) > 1 {
		dir = args[1]
	}
	os.Setenv("PATH", BootPath)
	defaultSignalsForChildren()
	null, err := nullStdio()
	if err != nil {
		return djb.ExitTemp // nowhere left to report it
	}
	env := os.Environ()
	if !keep {
		svc := append([]string{"svc", "-dx"}, glob(dir, "")...)
		svc = append(svc, glob(dir, "/log")...)
		if pid, err := startProgram(svc, env, [3]int{null, null, null}); err == nil {
			waitPid(pid)
		}
	}
	return pipeline(dir, null)
}

// defaultSignalsForChildren makes sure svscan, and through it every
// supervise and service, starts with SIGHUP and SIGINT at their defaults.
// Started by a shell's "&" (an init script, rc.local) or by nohup,
// svscanboot gets them ignored, and an ignored signal is inherited across
// exec: svc -h and svc -i would then do nothing to any service. (0.76's
// svscanboot, a shell script, passes them on ignored.) The Go runtime
// already leaves every other signal at its default in children; for these
// two it keeps an inherited SIG_IGN unless the program asks for them, so
// svscanboot asks, and goes on ignoring them itself.
func defaultSignalsForChildren() {
	for _, sig := range []os.Signal{unix.SIGHUP, unix.SIGINT} {
		if signal.Ignored(sig) {
			signal.Notify(make(chan os.Signal, 1), sig) // never read: dropped
		}
	}
}

// nullStdio points descriptors 0, 1 and 2 at /dev/null and returns one of
// them for the children.
func nullStdio() (int, error) {
	fd, err := unix.Open(os.DevNull, unix.O_RDWR, 0)
	if err != nil {
		return -1, err
	}
	for target := 0; target < 3; target++ {
		if fd != target {
			if err := unix.Dup2(fd, target); err != nil {
				return -1, err
			}
		}
	}
	if fd > 2 {
		unix.Close(fd)
	}
	return 0, nil
}

// glob expands DIR/*SUFFIX as sh does: names not starting with a dot,
// sorted, SUFFIX existing under them; with no match the pattern itself.
func glob(dir, suffix string) []string {
	var out []string
	if names, err := readDirNames(dir); err == nil {
		for _, name := range names {
			p := filepath.Join(dir, name) + suffix
			if strings.HasPrefix(name, ".") {
				continue
			}
			if _, err := os.Lstat(p); err == nil {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		out = []string{dir + "/*" + suffix}
	}
	return out
}

func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	sort.Strings(names)
	return names, err
}

// pipeline runs svscan DIR with stdout and stderr into a pipe read by
// readproctitle, both with only PATH in their environment (svscan also
// with svscan's own settings, when svscanboot was given them), and waits
// for both as sh does.
func pipeline(dir string, null int) int {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return djb.ExitTemp
	}
	env := []string{"PATH=" + BootPath}
	scan, scanErr := startProgram([]string{"svscan", dir}, scanEnv(env), [3]int{null, p[1], p[1]})
	if scanErr != nil {
		djb.WarnErr(os.NewFile(uintptr(p[1]), "pipe"), "svscanboot", scanErr, "unable to run svscan")
	}
	title := append([]string{"readproctitle"}, bootTitle...)
	rpt, rptErr := startProgram(title, env, [3]int{p[0], null, null})
	unix.Close(p[0])
	unix.Close(p[1])
	if scanErr == nil {
		waitPid(scan)
	}
	if rptErr != nil {
		return 127 // sh's status for a command not found
	}
	return waitPid(rpt)
}

// scanSettings are the variables svscan reads for its own settings
// (svscan(8)). svscanboot hands them on when it has them, which 0.76's
// never had to: so the init script's settings (/etc/default/svscan,
// /etc/sysconfig/svscan) reach svscan, and nothing else does.
var scanSettings = []string{modeVar, timeoutVar}

// scanEnv is env and the settings of scanSettings that svscanboot has.
func scanEnv(env []string) []string {
	out := append([]string(nil), env...)
	for _, name := range scanSettings {
		if v, ok := os.LookupEnv(name); ok {
			out = append(out, name+"="+v)
		}
	}
	return out
}

// startProgram runs argv[0], found along env's PATH, with the given
// descriptors as 0, 1 and 2.
func startProgram(argv, env []string, fds [3]int) (int, error) {
	return forkExec("", argv, env, [3]uintptr{uintptr(fds[0]), uintptr(fds[1]), uintptr(fds[2])})
}

// waitPid waits for pid and returns its exit status the way sh reports
// it (128+signal for a killed process).
func waitPid(pid int) int {
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return djb.ExitTemp
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}
