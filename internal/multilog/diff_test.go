package multilog

import (
	"bytes"
	"strings"
	"testing"
)

// The HOW-TO's log/run scripts (chapters 3.3 and 4.2), run on qmail-like
// logs long enough to rotate and prune.
func TestHowtoQmailScriptsSameAs076(t *testing.T) {
	input := qmailLines(30000, 1)
	scripts := [][]string{
		{"t", "./main", "-*", "+* status: *", "=status"},
		{"t", "./main", "-*", "+* * status: *", "=status"},
		{"t", "./main",
			"-* status: *", "-* starting delivery *", "-* delivery * success*", "-* delivery * failure*",
			"-* new msg *", "-* info msg *", "-* end msg *", "-* bounce msg *",
			"-* delivery * deferral: Sorry,_I_couldn't_find_any_host_by_that_name*",
			"-* delivery * deferral: Sorry,_I_wasn't_able_to_establish_an_SMTP_*",
			"./alert", "-*", "+* status: *", "=status"},
		{"t", "-* * > *", "-* * < *", "s200000", "./main",
			"-*", "+* * < HELO *", "+* * < EHLO *", "+* * < MAIL *", "+* * < RCPT *", "+* * < DATA*",
			"+* * < QUIT*", "+* * < RSET*", "+* * < NOOP*", "+* * > 1*", "+* * > 2*", "+* * > 3*",
			"+* * > 4*", "+* * > 5*", "s200000", "./tcp", "-*", "+* * status: *", "=status"},
	}
	for _, s := range scripts {
		same(t, s, input)
	}
}

// The rts cases of the facts sheet: which lines each pattern selects, seen
// through the e action.
func TestPatternsSameAs076(t *testing.T) {
	lines := []string{"one", "one*", "onetwo", "on", "", " one", "x one", "* one", "xy one", "  one",
		"xy one ", "x  one", " y one", "x y one", "   one", "*", "**", "a*b", "two", "one two one"}
	input := []byte(strings.Join(lines, "\n") + "\n")
	for _, p := range []string{"one", "one*", "* one", "* * one", "", "*", "**", "*one", "o*e", "*o*", "a**b", "* *"} {
		same(t, []string{"-*", "+" + p, "e"}, input)
		same(t, []string{"-" + p, "e"}, input)
	}
}

// e cuts at 200 bytes with "..."; = keeps the first 1000; directories get
// every byte of any length, with and without timestamps.
func TestLongLinesSameAs076(t *testing.T) {
	var b bytes.Buffer
	for _, n := range []int{0, 1, 199, 200, 201, 973, 974, 975, 999, 1000, 1001, 1023, 1024, 1025, 2047, 4096, 5000, 9000, 20000, 70000} {
		b.Write(bytes.Repeat([]byte{'x'}, n))
		b.WriteString("\n")
	}
	input := b.Bytes()
	same(t, []string{"e", "=st", "./d"}, input)
	same(t, []string{"t", "e", "=st", "s4096", "./d"}, input)
	same(t, []string{"s4096", "n100", "./d", "e"}, input)
}

// Rotation points, pruning and modes with many lines of every length.
func TestRotationSameAs076(t *testing.T) {
	input := mixedLines(1500, 2)
	same(t, []string{"s4096", "n3", "./a", "s5000", "n4", "./b", "-*", "+a*", "s4096", "n100", "./c"}, input)
	same(t, []string{"t", "s4096", "n1000", "./a", "s7777", "./b"}, input)
	same(t, []string{"n1000", "s4096", "./a"}, qmailLines(5000, 3))
}

func TestOddInputsSameAs076(t *testing.T) {
	for _, in := range []string{"", "\n", "\n\n\n", "abc", "abc\ndef", "a\x00b\nc\x00\n\x00", "\xff\xfe\n"} {
		same(t, []string{"./d", "e", "=st"}, []byte(in))
		same(t, []string{"t", "./d", "e", "=st"}, []byte(in))
	}
}

// One status file named by two actions, selecting different lines, and two
// status files: each ends with the line 0.76 wrote to it last, although
// ours writes them once per read (found by the fault suite's fuzzer).
func TestStatusFilesLastWriteSameAs076(t *testing.T) {
	input := []byte(" bb\nxx\n bb\n *\t**a**bba\n")
	same(t, []string{"=st0", "-*", "+ bb", "./d2", "=st0"}, input)
	same(t, []string{"=st0", "-*", "+ bb", "=st0", "+*", "=st1", "./d"}, input)
	same(t, []string{"-*", "+ bb", "=st0", "+*", "=st0"}, append(input, "yy\n"...))
}

// Arguments that are not actions are ignored; t counts only first; s and
// n parse digits only and clamp.
func TestScriptQuirksSameAs076(t *testing.T) {
	input := qmailLines(3000, 4)
	for _, s := range [][]string{
		{"main/log", "foo", "xyz", "./d"},
		{"./d", "t", "e"},
		{"exyz", "=st", "tail", "./d"},
		{"s", "n", "./d"},
		{"s12abc", "n1", "./d"},
		{"s99999999999999999999999", "n0", "./d"},
		{"s4096", "n3", "./d", "s100000", "./e"},
		{},
		{"-*", "./nothing"},
		{"+*", "", "./d"},
	} {
		same(t, s, input)
	}
}

// Fatal start-up errors, with 0.76's wording and exit code 111.
func TestStartupErrorsSameAs076(t *testing.T) {
	same(t, []string{"=nonexistent/dir/status"}, []byte("x\n"))
	same(t, []string{"="}, []byte("x\n"))
	same(t, []string{"./nonexistent/dir"}, []byte("x\n"))
	same(t, []string{"./d", "./d/x/y"}, []byte("x\n"))
}

// A current closed cleanly (mode 0744) is appended to on restart, and
// rotated at the first write when it is already over the new size.
func TestRestartAppendsToCleanCurrentSameAs076(t *testing.T) {
	first, second := qmailLines(1200, 8), qmailLines(300, 9)
	var res [2]outcome
	for i, bin := range []string{oracleOf(t), ourMultilog()} {
		dir := t.TempDir()
		runIn(t, bin, dir, []string{"./d"}, first)
		res[i] = runIn(t, bin, dir, []string{"s4096", "./d"}, second)
	}
	compare(t, []string{"./d"}, res[0], res[1])
}
