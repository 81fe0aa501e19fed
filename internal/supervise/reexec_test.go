package supervise

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestReexecEnvironmentRoundTrip(t *testing.T) {
	for _, env := range [][]string{
		{},
		{"A=1", "B=2"},
		{"A=1", "GOMAXPROCS=4", "B=2"},
		{"GOMAXPROCS=", "B=2"},
		{"GODEBUG=", "B=2"},
		{"GODEBUG=x=1", "A=1", "GOMAXPROCS=2"},
	} {
		re := reexecEnv(env)
		if !slices.Contains(re, "GOMAXPROCS=1") {
			t.Errorf("%q: re-exec environment %q", env, re)
		}
		back, ok := restoredEnv(re)
		if !ok || !slices.Equal(back, env) {
			t.Errorf("%q: restored %q %v", env, back, ok)
		}
	}
	if _, ok := restoredEnv([]string{"A=1"}); ok {
		t.Error("restored without a marker")
	}
}

// TestProcessNameIsSupervise: ps, pgrep, pidof and killall find supervise
// by name after its one re-exec (the kernel names a process after the file
// it runs: /proc/self/exe would make it "exe").
func TestProcessNameIsSupervise(t *testing.T) {
	s := newService(t, "#!/bin/sh\nexec sleep 1000\n").start(ours(t))
	s.waitUp()
	if comm := procComm(s.pid()); comm != "supervise" {
		t.Errorf("/proc/%d/comm = %q, want supervise", s.pid(), comm)
	}
}

func procComm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}
