package multilog

import (
	"strings"
	"testing"
)

// Processors see previous on 0, processed on 1, state on 4, newstate on 5,
// run in the directory with default signal handling; their output becomes
// the .s file and newstate the state.
func TestProcessorSameAs076(t *testing.T) {
	input := qmailLines(400, 5)
	for _, proc := range []string{
		"!cat",
		"!wc -l; cat <&4 >&5; echo more >&5",
		"!ls >&2; grep -E '^Sig(Blk|Ign)' /proc/self/status >&2; tr a-z A-Z",
		"!",
	} {
		same(t, []string{"s4096", "n100", proc, "./d"}, input)
	}
}

// A processor that fails is run again (after 0.76's warning and pause)
// until it succeeds; one killed by a signal gets both warnings. (0.76
// pauses 5 s each time; ours, told so by the test-only knob, 20 ms.)
func TestProcessorRetriedSameAs076(t *testing.T) {
	if testing.Short() {
		t.Skip("0.76 pauses 5 seconds per retry")
	}
	input := []byte(strings.Repeat("line of text for the processor test\n", 150))
	o := same(t, []string{"s4096", "!if test -e ../failed; then cat; else touch ../failed; exit 1; fi", "./d"}, input, fastRetry)
	if o.stderr != "multilog: warning: processor failed in ./d, pausing\n" {
		t.Errorf("stderr %q", o.stderr)
	}
	o = same(t, []string{"s4096", "!if test -e ../crashed; then cat; else touch ../crashed; kill -9 $$; fi", "./d"}, input, fastRetry)
	if o.stderr != "multilog: warning: processor crashed in ./d, pausing: file does not exist\nmultilog: warning: processor failed in ./d, pausing\n" {
		t.Errorf("stderr %q", o.stderr)
	}
}
