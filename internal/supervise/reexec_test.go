package supervise

import (
	"slices"
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
