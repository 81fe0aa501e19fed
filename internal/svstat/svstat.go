// Package svstat is the svstat program of daemontools 0.76: one line on
// standard output per service directory, errors included, exit 0. It reads
// through internal/control and formats here; the wording, the suffix order
// and "1 seconds" are 0.76's.
package svstat

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"syscall"

	"github.com/daemontools-go/daemontools/internal/control"
	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/tai64"
)

// Main runs svstat. Options are not parsed: every argument is a directory.
func Main(args []string, stdout, stderr io.Writer) int {
	origin, err := control.OpenOrigin()
	if err != nil {
		djb.FatalErr(stderr, "svstat", err, "unable to open current directory")
		return djb.ExitTemp
	}
	defer origin.Close()
	// 0.76 buffers stdout and loses what is unflushed on a fatal error;
	// a bufio.Writer of its size behaves the same.
	out := bufio.NewWriterSize(stdout, 1024)
	for _, dir := range args[min(1, len(args)):] {
		out.WriteString(Line(dir, tai64.Now()))
		out.WriteByte('\n')
		if err := origin.Return(); err != nil {
			djb.FatalErr(stderr, "svstat", err, "unable to set directory")
			return djb.ExitTemp
		}
	}
	out.Flush()
	return 0
}

// Line describes one service directory, without the newline. It leaves
// the process in that directory (or where it was, if chdir failed).
func Line(dir string, now tai64.N) string {
	return dir + ": " + describe(dir, now)
}

func describe(dir string, now tai64.N) string {
	if err := control.Enter(dir); err != nil {
		return "unable to chdir: " + djb.ErrStr(err)
	}
	normallyUp, err := normallyUp()
	if err != nil {
		return "unable to stat down: " + djb.ErrStr(err)
	}
	if err := control.Running(); err != nil {
		if errors.Is(err, control.ErrNotRunning) {
			return "supervise not running"
		}
		return "unable to open supervise/ok: " + djb.ErrStr(err)
	}
	rec, err := control.ReadStatus()
	if err != nil {
		return statusError(err)
	}
	return Format(rec, normallyUp, now)
}

// normallyUp reports whether there is no ./down file (stat, as 0.76).
func normallyUp() (bool, error) {
	var st syscall.Stat_t
	err := syscall.Stat("down", &st)
	if err == nil {
		return false, nil
	}
	if djb.Errno(err) == syscall.ENOENT {
		return true, nil
	}
	return false, err
}

func statusError(err error) string {
	var se *control.StatusError
	if !errors.As(err, &se) {
		return "unable to read supervise/status: " + djb.ErrStr(err)
	}
	if se.Stage == control.StageOpen {
		return "unable to open supervise/status: " + djb.ErrStr(se.Err)
	}
	if errors.Is(se.Err, svstatus.ErrBadFormat) {
		return "unable to read supervise/status: bad format"
	}
	return "unable to read supervise/status: " + djb.ErrStr(se.Err)
}

// Format renders a status record the 0.76 way:
// "up (pid P) S seconds" or "down S seconds", then the suffixes
// normally down/up, paused, want up/down in that order.
func Format(rec svstatus.Record, normallyUp bool, now tai64.N) string {
	b := make([]byte, 0, 80)
	up := rec.PID != 0
	if up {
		b = append(b, "up (pid "...)
		b = strconv.AppendUint(b, uint64(uint32(rec.PID)), 10)
		b = append(b, ") "...)
	} else {
		b = append(b, "down "...)
	}
	b = strconv.AppendUint(b, Age(rec.When, now), 10)
	b = append(b, " seconds"...) // 0.76 never says "1 second"
	if up && !normallyUp {
		b = append(b, ", normally down"...)
	}
	if !up && normallyUp {
		b = append(b, ", normally up"...)
	}
	if up && rec.Paused {
		b = append(b, ", paused"...)
	}
	if !up && rec.Want == svstatus.WantUp {
		b = append(b, ", want up"...)
	}
	if up && rec.Want == svstatus.WantDown {
		b = append(b, ", want down"...)
	}
	return string(b)
}

// Age is the whole seconds from the status stamp to now, 0 for a stamp in
// the future. Only the seconds count, as in 0.76. The difference goes
// through a float64 because 0.76's tai_approx does: a zeroed status file
// then shows the same 4611686020222985216-like figure as the C build.
func Age(when, now tai64.N) uint64 {
	if now.Sec < when.Sec {
		return 0
	}
	return uint64(float64(now.Sec - when.Sec))
}
