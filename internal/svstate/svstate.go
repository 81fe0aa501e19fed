// Package svstate owns supervise/state, the extended status that our
// supervise keeps beside 0.76's 18-byte supervise/status: readiness (s6's
// notification-fd), the last exit, the process group, the start count and
// whether ./finish is running. The 18-byte status stays exactly 0.76's and
// is written first; this file follows it after every change, so a reader
// that finds the two disagreeing for a moment should trust status for
// what 0.76 knows (pid, want, paused) and this file for the rest.
//
// The C supervise never writes the file; readers treat a directory without
// it as 0.76's: up or down only, ready when up.
//
// Format (documented in daemontools(7), version 1): ASCII text, one
// "key=value" per line, every key present, in this order, each line ending
// in a newline; no quoting is needed, so the file can be read by sed,
// awk, or any program (not by a shell's ".": notification-fd is no
// variable name):
//
//	format=1
//	supervisor=PID       supervise's own pid
//	state=down|up|finishing
//	want=up|down|once    as the status file's want byte
//	paused=0|1
//	pid=N                ./run's pid, 0 unless state=up
//	pgid=N               ./run's process group, 0 unless state=up
//	since=@TAI64N        when state last changed
//	ready=@TAI64N        when ./run became ready; empty when it is not (yet)
//	notification-fd=N    the descriptor given to ./run; empty without the file
//	starts=N             how many times ./run was started by this supervise
//	exitcode=N           how ./run last ended: its exit code, -1 when it was
//	signal=N             killed by signal N (then N > 0), or when it never ended
//	exited=@TAI64N       when ./run last ended; empty when it never did
//	finishpid=N          ./finish's pid, 0 unless state=finishing
//
// A reader must ignore keys it does not know (later versions may add keys
// at the end) and refuse a format it does not know.
package svstate

import (
	"errors"
	"strconv"

	"github.com/daemontools-go/daemontools/internal/tai64"
)

// File names, relative to the service directory.
const (
	File    = "supervise/state"
	FileNew = "supervise/state.new"
)

// Format is the version this package writes and reads.
const Format = 1

// States.
const (
	Down      = "down"
	Up        = "up"
	Finishing = "finishing"
)

// Wants, spelled as in the file.
const (
	WantUp   = "up"
	WantDown = "down"
	WantOnce = "once"
)

// MaxSize bounds an encoded record: a buffer this big never grows.
const MaxSize = 512

// State is the decoded record. The zero tai64.N in Ready or Exited means
// "empty" (not ready, never exited); NotificationFD is -1 without the file.
type State struct {
	Supervisor     int
	State          string // Down, Up or Finishing
	Want           string // WantUp, WantDown or WantOnce
	Paused         bool
	PID, PGID      int
	Since          tai64.N
	Ready          tai64.N
	NotificationFD int
	Starts         uint64
	ExitCode       int
	Signal         int
	Exited         tai64.N
	FinishPID      int
}

// IsReady reports whether the service is up and has signalled readiness
// (or has no notification-fd, in which case it is ready when up).
func (s *State) IsReady() bool { return s.State == Up && s.Ready != (tai64.N{}) }

// AppendEncode appends the record to dst. Given a dst with MaxSize free
// capacity it allocates nothing, so supervise's loop can call it at every
// restart.
func (s *State) AppendEncode(dst []byte) []byte {
	dst = append(dst, "format=1\nsupervisor="...)
	dst = strconv.AppendInt(dst, int64(s.Supervisor), 10)
	dst = append(dst, "\nstate="...)
	dst = append(dst, s.State...)
	dst = append(dst, "\nwant="...)
	dst = append(dst, s.Want...)
	dst = append(dst, "\npaused="...)
	dst = appendBool(dst, s.Paused)
	dst = append(dst, "\npid="...)
	dst = strconv.AppendInt(dst, int64(s.PID), 10)
	dst = append(dst, "\npgid="...)
	dst = strconv.AppendInt(dst, int64(s.PGID), 10)
	dst = append(dst, "\nsince="...)
	dst = appendLabel(dst, s.Since)
	dst = append(dst, "\nready="...)
	dst = appendLabel(dst, s.Ready)
	dst = append(dst, "\nnotification-fd="...)
	if s.NotificationFD >= 0 {
		dst = strconv.AppendInt(dst, int64(s.NotificationFD), 10)
	}
	dst = append(dst, "\nstarts="...)
	dst = strconv.AppendUint(dst, s.Starts, 10)
	dst = append(dst, "\nexitcode="...)
	dst = strconv.AppendInt(dst, int64(s.ExitCode), 10)
	dst = append(dst, "\nsignal="...)
	dst = strconv.AppendInt(dst, int64(s.Signal), 10)
	dst = append(dst, "\nexited="...)
	dst = appendLabel(dst, s.Exited)
	dst = append(dst, "\nfinishpid="...)
	dst = strconv.AppendInt(dst, int64(s.FinishPID), 10)
	return append(dst, '\n')
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, '1')
	}
	return append(dst, '0')
}

// appendLabel appends @TAI64N, or nothing for the zero value.
func appendLabel(dst []byte, n tai64.N) []byte {
	if n == (tai64.N{}) {
		return dst
	}
	return n.AppendLabel(dst)
}

// Errors of Parse.
var (
	ErrFormat  = errors.New("unknown format")
	ErrBadLine = errors.New("bad line")
	ErrMissing = errors.New("missing key")
)

// Parse decodes a record. Unknown keys are ignored; a missing key, a
// malformed value or a format other than 1 is an error.
func Parse(b []byte) (State, error) {
	s := State{NotificationFD: -1, ExitCode: -1}
	const all = 1<<15 - 1
	seen := 0
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		if i == len(b) {
			return State{}, ErrBadLine // the last line lacks its newline: torn
		}
		line := b[:i]
		b = b[i+1:]
		eq := 0
		for eq < len(line) && line[eq] != '=' {
			eq++
		}
		if eq == len(line) {
			return State{}, ErrBadLine
		}
		key, val := string(line[:eq]), line[eq+1:]
		var err error
		bit := 0
		switch key {
		case "format":
			bit = 0
			if string(val) != "1" {
				return State{}, ErrFormat
			}
		case "supervisor":
			bit = 1
			s.Supervisor, err = parseInt(val)
		case "state":
			bit = 2
			switch string(val) {
			case Down, Up, Finishing:
				s.State = string(val)
			default:
				err = ErrBadLine
			}
		case "want":
			bit = 3
			switch string(val) {
			case WantUp, WantDown, WantOnce:
				s.Want = string(val)
			default:
				err = ErrBadLine
			}
		case "paused":
			bit = 4
			s.Paused, err = parseBool(val)
		case "pid":
			bit = 5
			s.PID, err = parseInt(val)
		case "pgid":
			bit = 6
			s.PGID, err = parseInt(val)
		case "since":
			bit = 7
			s.Since, err = parseLabel(val)
		case "ready":
			bit = 8
			s.Ready, err = parseLabel(val)
		case "notification-fd":
			bit = 9
			if len(val) > 0 {
				s.NotificationFD, err = parseInt(val)
			}
		case "starts":
			bit = 10
			s.Starts, err = strconv.ParseUint(string(val), 10, 64)
		case "exitcode":
			bit = 11
			s.ExitCode, err = parseInt(val)
		case "signal":
			bit = 12
			s.Signal, err = parseInt(val)
		case "exited":
			bit = 13
			s.Exited, err = parseLabel(val)
		case "finishpid":
			bit = 14
			s.FinishPID, err = parseInt(val)
		default:
			continue
		}
		if err != nil {
			return State{}, ErrBadLine
		}
		seen |= 1 << bit
	}
	if seen != all {
		return State{}, ErrMissing
	}
	return s, nil
}

func parseInt(b []byte) (int, error) {
	v, err := strconv.ParseInt(string(b), 10, 64)
	return int(v), err
}

func parseBool(b []byte) (bool, error) {
	switch string(b) {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, ErrBadLine
}

func parseLabel(b []byte) (tai64.N, error) {
	if len(b) == 0 {
		return tai64.N{}, nil
	}
	n, ok := tai64.ParseLabel(b)
	if !ok || len(b) != tai64.LabelLen {
		return tai64.N{}, ErrBadLine
	}
	return n, nil
}
