// Package svinfo is the svinfo program: the status of services as JSON,
// one object per line and per service directory, for programs to read.
// It prints 0.76's status (what svstat shows) for every supervise, C or
// ours, and every field of supervise/state when the running supervise
// keeps that file. Its exit code says whether all named services are up
// (with -U, up and ready).
package svinfo

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/svstat"
	"github.com/daemontools-go/daemontools/internal/svstate"
	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/tai64"
)

const prog = "svinfo"

const usageText = "svinfo [ -u | -U ] dir ..."

// ExitNotAll is the exit code when a named service is not up (or, with
// -U, not ready), or could not be read.
const ExitNotAll = 1

// Main runs svinfo with args (program name first) and returns its exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	wantReady := false
	g := djb.NewGetopt(args, stderr)
	for done := false; !done; {
		switch g.Next("uU") {
		case djb.Done:
			done = true
		case 'u':
			wantReady = false
		case 'U':
			wantReady = true
		default:
			djb.Usage(stderr, prog, usageText)
			return djb.ExitUsage
		}
	}
	dirs := g.Operands()
	if len(dirs) == 0 {
		djb.Usage(stderr, prog, usageText)
		return djb.ExitUsage
	}
	out := bufio.NewWriter(stdout)
	all := true
	now := tai64.Now()
	for _, dir := range dirs {
		var o object
		up, ready := describe(&o, dir, now)
		out.Write(o.close())
		if !up || (wantReady && !ready) {
			all = false
		}
	}
	if err := out.Flush(); err != nil {
		djb.FatalErr(stderr, prog, err, "unable to write output")
		return djb.ExitTemp
	}
	if !all {
		return ExitNotAll
	}
	return 0
}

// describe writes one service's fields into o and reports whether it is
// up and whether it is ready.
func describe(o *object, dir string, now tai64.N) (up, ready bool) {
	o.str("dir", dir)
	if err := isDir(dir); err != nil {
		return o.fail("unable to chdir: " + djb.ErrStr(err))
	}
	normallyUp, err := normallyUp(dir)
	if err != nil {
		return o.fail("unable to stat down: " + djb.ErrStr(err))
	}
	o.boolean("normallyup", normallyUp)
	switch err := running(dir); {
	case errors.Is(err, errNotRunning):
		o.boolean("running", false)
		return o.fail("supervise not running")
	case err != nil:
		return o.fail("unable to open supervise/ok: " + djb.ErrStr(err))
	}
	o.boolean("running", true)
	b, err := os.ReadFile(filepath.Join(dir, svstatus.Status))
	if err != nil {
		return o.fail("unable to read supervise/status: " + djb.ErrStr(err))
	}
	rec, err := svstatus.Decode(b)
	if err != nil {
		return o.fail("unable to read supervise/status: bad format")
	}
	st, ext := extended(dir)
	o.boolean("extended", ext)
	up = rec.PID != 0
	ready = up
	if ext {
		up, ready = st.State == svstate.Up, st.IsReady()
	}
	o.boolean("up", up)
	o.boolean("ready", ready)
	// 0.76's status, as svstat reads it.
	o.num("pid", int64(rec.PID))
	o.num("seconds", int64(svstat.Age(rec.When, now)))
	o.stamp("when", rec.When)
	o.str("want", wantWord(rec.Want))
	o.boolean("paused", rec.Paused)
	if !ext {
		return up, ready
	}
	// Every field of supervise/state, under its own key.
	o.num("supervisor", int64(st.Supervisor))
	o.str("state", st.State)
	o.num("statepid", int64(st.PID))
	o.num("pgid", int64(st.PGID))
	o.stamp("since", st.Since)
	o.stamp("readysince", st.Ready)
	if st.NotificationFD >= 0 {
		o.num("notification-fd", int64(st.NotificationFD))
	} else {
		o.null("notification-fd")
	}
	o.raw("starts", strconv.AppendUint(nil, st.Starts, 10))
	o.num("exitcode", int64(st.ExitCode))
	o.num("signal", int64(st.Signal))
	o.stamp("exited", st.Exited)
	o.num("finishpid", int64(st.FinishPID))
	return up, ready
}

// extended reads supervise/state, believed only when the supervise that
// holds the lock wrote it (a C supervise that took over from ours leaves
// our last state behind).
func extended(dir string) (svstate.State, bool) {
	st, err := svstate.Read(dir)
	if err != nil {
		return st, false
	}
	holder, err := svstatus.LockHolder(filepath.Join(dir, svstatus.Lock))
	if err == nil && holder != 0 && holder != st.Supervisor {
		return st, false
	}
	return st, true
}

// isDir fails as svstat's chdir would for a missing or non-directory path.
func isDir(dir string) error {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return unix.ENOTDIR
	}
	return unix.Access(dir, unix.X_OK)
}

func normallyUp(dir string) (bool, error) {
	_, err := os.Stat(filepath.Join(dir, "down"))
	if err == nil {
		return false, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	return false, err
}

var errNotRunning = errors.New("supervise not running")

// running is svok's test, as svstat makes it: supervise holds
// supervise/ok open for reading. A missing FIFO is not running either.
func running(dir string) error {
	fd, err := unix.Open(filepath.Join(dir, svstatus.OK), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	switch err {
	case nil:
		unix.Close(fd)
		return nil
	case unix.ENXIO, unix.ENOENT:
		return errNotRunning
	}
	return err
}

func wantWord(w byte) string {
	switch w {
	case svstatus.WantUp:
		return "up"
	case svstatus.WantDown:
		return "down"
	}
	return "once"
}

// An object is one JSON line being built, keys in the order written.
type object struct{ b []byte }

func (o *object) key(k string) {
	if len(o.b) == 0 {
		o.b = append(o.b, '{')
	} else {
		o.b = append(o.b, ',')
	}
	o.b = appendString(o.b, k)
	o.b = append(o.b, ':')
}

func (o *object) str(k, v string) { o.key(k); o.b = appendString(o.b, v) }

func (o *object) num(k string, v int64) { o.key(k); o.b = strconv.AppendInt(o.b, v, 10) }

func (o *object) raw(k string, v []byte) { o.key(k); o.b = append(o.b, v...) }

func (o *object) null(k string) { o.key(k); o.b = append(o.b, "null"...) }

func (o *object) boolean(k string, v bool) { o.key(k); o.b = strconv.AppendBool(o.b, v) }

// stamp writes a time both ways: KEY, the TAI64N label as the files and
// multilog write it, and KEY_unix, Unix seconds with nine decimals. The
// zero stamp (never) is null in both.
func (o *object) stamp(k string, n tai64.N) {
	if n == (tai64.N{}) {
		o.null(k)
		o.null(k + "_unix")
		return
	}
	o.str(k, n.Label())
	o.key(k + "_unix")
	sec := n.Unix()
	if sec < 0 && n.Nano > 0 {
		o.b = append(o.b, '-')
		o.b = strconv.AppendInt(o.b, -(sec + 1), 10)
		o.b = appendNano(o.b, 1e9-n.Nano)
		return
	}
	o.b = strconv.AppendInt(o.b, sec, 10)
	o.b = appendNano(o.b, n.Nano)
}

func appendNano(b []byte, nano uint32) []byte {
	s := strconv.FormatUint(uint64(nano)+1e9, 10) // 1 and nine digits
	return append(append(b, '.'), s[1:]...)
}

// fail records an error (the service counts as neither up nor ready).
func (o *object) fail(msg string) (bool, bool) {
	o.str("error", msg)
	return false, false
}

func (o *object) close() []byte { return append(o.b, '}', '\n') }

func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}
