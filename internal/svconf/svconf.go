// Package svconf owns the optional files beside ./run in a service
// directory that go beyond 0.76: their names and how their contents are
// read. supervise reads them (never writes them), and svscan reads the
// time-outs to bound its shutdown. Every file is optional: absent, the
// behaviour is 0.76's exactly. The names are s6's where s6 has the same
// file (down-signal, timeout-kill, finish, timeout-finish), so a service
// directory written for s6-supervise works here.
//
// The parsers take bytes and allocate nothing: supervise reads the
// files at every start or stop of a service with raw system calls into
// buffers on its stack. StopBound reads the files itself, for svscan.
package svconf

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// The file names, relative to the service directory.
const (
	// RestartDelay holds the pause after each start in milliseconds
	// (0.76: always one second).
	RestartDelay = "restart-delay"
	// DownSignal names the signal svc -d sends instead of TERM (s6).
	DownSignal = "down-signal"
	// TimeoutKill is how long, in milliseconds, the service may take to
	// go down after svc -d before it gets KILL (s6; 0 or absent: never).
	TimeoutKill = "timeout-kill"
	// Finish is run after ./run exits, before any restart (runit, s6).
	Finish = "finish"
	// TimeoutFinish bounds ./finish in milliseconds (s6; default
	// DefaultTimeoutFinish, 0: no bound).
	TimeoutFinish = "timeout-finish"
	// RestartBackoff makes the pause after a start grow while the
	// service keeps dying (see ParseBackoff).
	RestartBackoff = "restart-backoff"
	// NewSession makes supervise start ./run and ./finish in a session
	// and process group of their own, and send the down signal and
	// timeout-kill's KILL to the whole group.
	NewSession = "new-session"
	// NotificationFD holds the descriptor number on which ./run writes a
	// newline once it is ready (s6); see ParseFD.
	NotificationFD = "notification-fd"
)

// DefaultTimeoutFinish is s6's bound on ./finish, in milliseconds.
const DefaultTimeoutFinish = 5000

// FinishKeepsDown is the exit code of ./finish that keeps the service
// down, as s6's supervise does.
const FinishKeepsDown = 125

// MaxFileSize is more than any of the files needs; supervise reads no
// more than this of them.
const MaxFileSize = 64

// ParseMillis accepts 1 to 9 decimal digits followed only by white space.
func ParseMillis(b []byte) (int, bool) {
	ms, digits := 0, 0
	for digits < len(b) && '0' <= b[digits] && b[digits] <= '9' {
		ms = ms*10 + int(b[digits]-'0')
		digits++
	}
	if digits == 0 || digits > 9 || !blank(b[digits:]) {
		return 0, false
	}
	return ms, true
}

func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// firstLine is b up to its first newline, without trailing white space.
func firstLine(b []byte) []byte {
	for i, c := range b {
		if c == '\n' {
			b = b[:i]
			break
		}
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// signalNames are the names down-signal accepts, as s6 does: with or
// without "SIG", in any case, or the signal's number.
var signalNames = []struct {
	name string
	sig  unix.Signal
}{
	{"HUP", unix.SIGHUP}, {"INT", unix.SIGINT}, {"QUIT", unix.SIGQUIT},
	{"ILL", unix.SIGILL}, {"TRAP", unix.SIGTRAP}, {"ABRT", unix.SIGABRT},
	{"IOT", unix.SIGIOT}, {"BUS", unix.SIGBUS}, {"FPE", unix.SIGFPE},
	{"KILL", unix.SIGKILL}, {"USR1", unix.SIGUSR1}, {"SEGV", unix.SIGSEGV},
	{"USR2", unix.SIGUSR2}, {"PIPE", unix.SIGPIPE}, {"ALRM", unix.SIGALRM},
	{"TERM", unix.SIGTERM}, {"CHLD", unix.SIGCHLD}, {"CONT", unix.SIGCONT},
	{"STOP", unix.SIGSTOP}, {"TSTP", unix.SIGTSTP}, {"TTIN", unix.SIGTTIN},
	{"TTOU", unix.SIGTTOU}, {"URG", unix.SIGURG}, {"XCPU", unix.SIGXCPU},
	{"XFSZ", unix.SIGXFSZ}, {"VTALRM", unix.SIGVTALRM}, {"PROF", unix.SIGPROF},
	{"WINCH", unix.SIGWINCH}, {"IO", unix.SIGIO}, {"POLL", unix.SIGIO},
	{"PWR", unix.SIGPWR}, {"SYS", unix.SIGSYS},
}

// highestSignal is the largest number accepted: Linux's last real-time
// signal (127 on MIPS; 64 elsewhere, where kill fails for larger ones).
const highestSignal = 127

// ParseSignal reads a down-signal file: its first line is a signal name
// ("HUP", "SIGHUP", "sighup") or number ("1").
func ParseSignal(b []byte) (unix.Signal, bool) {
	b = firstLine(b)
	if n, ok := ParseMillis(b); ok {
		if n < 1 || n > highestSignal {
			return 0, false
		}
		return unix.Signal(n), true
	}
	if len(b) > 3 && upper(b[0]) == 'S' && upper(b[1]) == 'I' && upper(b[2]) == 'G' {
		b = b[3:]
	}
	for _, e := range signalNames {
		if equalFold(b, e.name) {
			return e.sig, true
		}
	}
	return 0, false
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// equalFold compares b with an upper-case name, ignoring b's case.
func equalFold(b []byte, name string) bool {
	if len(b) != len(name) {
		return false
	}
	for i := range b {
		if upper(b[i]) != name[i] {
			return false
		}
	}
	return true
}

// ParseFD reads a notification-fd file as s6-supervise does: its first
// line (the rest of the file is ignored) is a decimal number and nothing
// else, no sign, no white space. Any number is accepted, 0, 1 and 2
// included (./run then gets the pipe there instead of its standard
// descriptor, as under s6); one above the limit on open files makes the
// start of ./run fail.
func ParseFD(b []byte) (int, bool) {
	for i, c := range b {
		if c == '\n' {
			b = b[:i]
			break
		}
	}
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	fd := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		fd = fd*10 + int(c-'0')
	}
	if fd > 1<<31-1 {
		return 0, false
	}
	return fd, true
}

// MaxBackoffDeaths bounds the number of deaths restart-backoff counts.
const MaxBackoffDeaths = 64

// Backoff is the content of a restart-backoff file.
type Backoff struct {
	Deaths int           // from this many deaths within Window on, the pause grows
	Window time.Duration // also how long a run must last to end the back-off
	Max    time.Duration // the longest time between two starts
}

// ParseBackoff reads "N T MAX": N deaths (1 to MaxBackoffDeaths) within
// T milliseconds, a cap of MAX milliseconds, separated by white space.
func ParseBackoff(b []byte) (Backoff, bool) {
	var f [3]int
	for i := range f {
		b = skipBlank(b)
		end := 0
		for end < len(b) && '0' <= b[end] && b[end] <= '9' {
			end++
		}
		n, ok := ParseMillis(b[:end])
		if !ok {
			return Backoff{}, false
		}
		f[i], b = n, b[end:]
		if i < 2 && (len(b) == 0 || !blank(b[:1])) {
			return Backoff{}, false
		}
	}
	if !blank(b) || f[0] < 1 || f[0] > MaxBackoffDeaths || f[1] < 1 {
		return Backoff{}, false
	}
	return Backoff{f[0], time.Duration(f[1]) * time.Millisecond, time.Duration(f[2]) * time.Millisecond}, true
}

func skipBlank(b []byte) []byte {
	for len(b) > 0 && blank(b[:1]) {
		b = b[1:]
	}
	return b
}

// StopBound is how long the service in dir may take, by its own files,
// to stop after a down command: timeout-kill, plus timeout-finish
// (DefaultTimeoutFinish when absent) when it has a ./finish. It is 0
// when the directory has no timeout-kill (or 0 there): the service's
// stop is then not bounded by supervise, and svscan's shutdown applies
// its own deadline.
func StopBound(dir string) time.Duration {
	kill := readMillisFile(dir+"/"+TimeoutKill, 0)
	if kill == 0 {
		return 0
	}
	if _, err := os.Stat(dir + "/" + Finish); err == nil {
		finish := readMillisFile(dir+"/"+TimeoutFinish, DefaultTimeoutFinish)
		if finish == 0 {
			return 0 // ./finish may run for ever
		}
		kill += finish
	}
	return time.Duration(kill) * time.Millisecond
}

func readMillisFile(path string, def int) int {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > MaxFileSize {
		return def
	}
	if ms, ok := ParseMillis(b); ok {
		return ms
	}
	return def
}
