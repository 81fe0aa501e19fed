package tai64

import (
	"testing"
	"time"
)

func TestLabelMatchesCBuild(t *testing.T) {
	// From a supervise/status written by Debian's C supervise.
	n := N{Sec: 0x400000006b063e66, Nano: 0x383cb4a4}
	if got := n.Label(); got != "@400000006b063e66383cb4a4" {
		t.Fatalf("label %q", got)
	}
	back, ok := ParseLabel([]byte(n.Label()))
	if !ok || back != n {
		t.Fatalf("parse: %v %v", back, ok)
	}
}

func TestEpoch(t *testing.T) {
	n := N{Sec: Offset}
	if n.Label() != "@400000000000000a00000000" {
		t.Fatalf("epoch label %s", n.Label())
	}
	if n.Unix() != 0 {
		t.Fatal("round trip")
	}
}

// TestNowIsTimeNow: Now reads the clock time.Now reads.
func TestNowIsTimeNow(t *testing.T) {
	before := time.Now()
	n := Now()
	after := time.Now()
	got := time.Unix(n.Unix(), int64(n.Nano))
	if got.Before(before.Round(0)) || got.After(after.Round(0)) {
		t.Fatalf("Now %v, time.Now %v to %v", got, before, after)
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{"", "@", "@4000", "x400000000000000a00000000", "@40000000000000za00000000"} {
		if _, ok := ParseLabel([]byte(s)); ok {
			t.Errorf("accepted %q", s)
		}
	}
}
