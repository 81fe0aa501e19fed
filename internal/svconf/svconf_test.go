package svconf

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseMillis(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "250\n": 250, "7 \t\r\n": 7, "999999999": 999999999} {
		if got, ok := ParseMillis([]byte(in)); !ok || got != want {
			t.Errorf("%q: %d %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "\n", "x", "1x", "-1", "1000000000", " 5"} {
		if _, ok := ParseMillis([]byte(in)); ok {
			t.Errorf("%q accepted", in)
		}
	}
}

// TestParseSignal: the spellings s6-supervise accepts in down-signal
// (checked against it in supervise's TestDownSignalLikeS6).
func TestParseSignal(t *testing.T) {
	for in, want := range map[string]unix.Signal{
		"HUP": unix.SIGHUP, "SIGHUP\n": unix.SIGHUP, "sigusr1": unix.SIGUSR1, "Quit \n": unix.SIGQUIT,
		"12": unix.SIGUSR2, "9\nrest": unix.SIGKILL, "winch": unix.SIGWINCH, "SIGRTMIN": 0,
	} {
		got, ok := ParseSignal([]byte(in))
		if want == 0 {
			if ok {
				t.Errorf("%q accepted: %v", in, got)
			}
			continue
		}
		if !ok || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "SIG", "0", "128", "bogus", " HUP", "SIGSIGHUP", "TERM x"} {
		if got, ok := ParseSignal([]byte(in)); ok {
			t.Errorf("%q accepted: %v", in, got)
		}
	}
}

func TestParseBackoff(t *testing.T) {
	for in, want := range map[string]Backoff{
		"3 10000 60000\n": {3, 10 * time.Second, time.Minute},
		" 1\t5 0 ":        {1, 5 * time.Millisecond, 0},
		"64 1 1":          {64, time.Millisecond, time.Millisecond},
	} {
		if got, ok := ParseBackoff([]byte(in)); !ok || got != want {
			t.Errorf("%q: %+v %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "3", "3 1000", "3 1000 x", "0 1000 1000", "65 1000 1000", "3 0 1000", "3 1000 1000 4", "3,1000,1000", "-3 1000 1000"} {
		if got, ok := ParseBackoff([]byte(in)); ok {
			t.Errorf("%q accepted: %+v", in, got)
		}
	}
}

// TestParseFD: what s6-supervise accepts in notification-fd (checked
// against it in supervise's TestNotificationFDFilesLikeS6).
func TestParseFD(t *testing.T) {
	for in, want := range map[string]int{"3": 3, "4\n": 4, "0": 0, "2\n": 2, "99999": 99999, "5\nanything": 5, "2147483647": 1<<31 - 1} {
		if got, ok := ParseFD([]byte(in)); !ok || got != want {
			t.Errorf("%q: %d %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "\n", "abc", "-1", "+3", " 3", "3 ", "3\t\n", "2147483648", "99999999999"} {
		if got, ok := ParseFD([]byte(in)); ok {
			t.Errorf("%q accepted: %d", in, got)
		}
	}
}
