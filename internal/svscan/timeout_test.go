package svscan

import (
	"testing"
	"time"
)

// TestShutdownTimeoutSyntax: seconds, fractions of seconds, Go durations;
// anything else is refused (svscan then warns and uses the default).
func TestShutdownTimeoutSyntax(t *testing.T) {
	good := map[string]time.Duration{
		"": defaultTimeout, "60": time.Minute, "2.5": 2500 * time.Millisecond,
		"0": 0, "500ms": 500 * time.Millisecond, "2m": 2 * time.Minute,
	}
	for v, want := range good {
		if got, err := shutdownTimeout(v); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"abc", "-1", "-2s", "10 s", "inf", "NaN"} {
		if _, err := shutdownTimeout(v); err == nil {
			t.Errorf("%q accepted", v)
		}
	}
}
