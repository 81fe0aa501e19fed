package tai64n_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/daemontools-go/daemontools/internal/tai64"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

// zones are checked exactly against the C build: UTC, a zone east of it,
// one with daylight saving, one with 30-minute DST, and POSIX rules that
// are no zoneinfo file.
var zones = []string{"UTC", "Asia/Tokyo", "America/New_York", "Australia/Lord_Howe", "JST-9",
	"CET-1CEST,M3.5.0,M10.5.0/3", "AEST-10AEDT,M10.1.0,M4.1.0/3", "no such zone", ""}

func labelFor(unix int64, nano uint32) string {
	return tai64.N{Sec: uint64(unix) + tai64.Offset, Nano: nano}.Label()
}

// labelledInputs are inputs 0.76's tai64nlocal converts without crashing.
func labelledInputs(t *testing.T) map[string][]byte {
	in := map[string][]byte{}
	for name, b := range inputs {
		in[name] = b
	}
	// Real labels from both tai64n builds.
	in["C tai64n"] = run(t, testkit.Oracle(t, "tai64n"), nil, inputs["many lines"]).stdout
	in["our tai64n"] = run(t, testkit.Path("tai64n"), nil, []byte("a\n\nb\x00c\nlast")).stdout
	var moments strings.Builder
	for _, m := range []struct {
		unix int64
		nano uint32
	}{
		{0, 0}, {-1, 999999999}, {1_000_000_000, 123}, {1_764_000_000, 0xffffffff},
		{1_711_846_799, 5}, {1_711_846_800, 5}, // around a DST change in Europe
		{1<<31 - 1, 0}, {1 << 31, 1}, {1 << 32, 2}, // past 2038 and 2106 (32-bit builds)
		{-62_135_596_800, 0},        // year 1
		{-62_135_596_801, 0},        // year 0
		{-65_000_000_000, 1},        // a negative year, printed as 0.76 prints it
		{253_402_300_800, 0},        // year 10000
		{67_767_976_233_532_799, 0}, // the last second of year 2^31-1
		{67_767_976_233_532_800, 0}, // year 2^31, printed wrapped
		{-2_208_988_800 - 86400*365*400, 0},
	} {
		fmt.Fprintf(&moments, "%s moment\n", labelFor(m.unix, m.nano))
	}
	in["moments"] = []byte(moments.String())
	in["no separator"] = []byte(labelFor(1_000_000_000, 0) + "\n" + labelFor(2, 0) + "x")
	// 0.76 takes any number of digits; the last 24 count.
	in["long label"] = []byte("@" + strings.Repeat("0", 2000) + labelFor(1_500_000_000, 7)[1:] + "-tail\n")
	// A label straddling the 128 KiB read boundary of ours (and the
	// 1024-byte one of C).
	pad := strings.Repeat("y", 128<<10-10) + "\n"
	in["label across a block"] = []byte(pad + labelFor(1_600_000_000, 42) + " after\n")
	in["label then long line"] = []byte(labelFor(1_600_000_000, 42) + strings.Repeat(" z", 100_000) + "\n")
	return in
}

func TestTai64nlocalExactlyLikeC(t *testing.T) {
	for name, in := range labelledInputs(t) {
		for _, tz := range zones {
			env := []string{"TZ=" + tz}
			c := run(t, testkit.Oracle(t, "tai64nlocal"), env, in)
			ours := run(t, testkit.Path("tai64nlocal"), env, in)
			if !bytes.Equal(c.stdout, ours.stdout) || c.code != ours.code || len(ours.stderr) != 0 {
				t.Errorf("%s, TZ=%q: ours exit %d %.300q, C exit %d %.300q", name, tz, ours.code, ours.stdout, c.code, c.stdout)
			}
		}
	}
}

func TestTai64nlocalUTCAndTokyo(t *testing.T) {
	in := []byte("@400000000000000a00000000 epoch\n@400000006b063e9f1c9ed204 hi\n")
	for tz, want := range map[string]string{
		"UTC":        "1970-01-01 00:00:00.000000000 epoch\n2026-11-25 01:49:09.480170500 hi\n",
		"Asia/Tokyo": "1970-01-01 09:00:00.000000000 epoch\n2026-11-25 10:49:09.480170500 hi\n",
	} {
		if got := run(t, testkit.Path("tai64nlocal"), []string{"TZ=" + tz}, in); string(got.stdout) != want || got.code != 0 {
			t.Errorf("TZ=%s: %q exit %d", tz, got.stdout, got.code)
		}
	}
}

// TestTai64nlocalMalformedLabelsPassThrough: every line here crashes
// 0.76's tai64nlocal (localtime gives NULL); ours copies it unchanged.
func TestTai64nlocalMalformedLabelsPassThrough(t *testing.T) {
	lines := []string{
		"@",
		"@ text",
		"@XYZ",
		"@4000",
		"@400000006B063E9F1C9ED204 uppercase",
		"@400000006b063e9f1C9ED204 uppercase from the 17th digit",
		"@400000006b063e9f1c9ed20 one digit short",
		"@400000006b063e9f1c9ed2041 one digit long",
		"@ffffffffffffffff00000000 absurd",
		"@0000000000000000000000000000000000 absurd",
	}
	var in strings.Builder
	for _, l := range lines {
		in.WriteString(l + "\n")
	}
	// Past 1 MiB of digits a label is copied through rather than held in
	// memory (0.76 would convert the last 24 digits; these crash it).
	in.WriteString("@" + strings.Repeat("0", 2<<20) + " endless\n")
	in.WriteString("@4000 last line without newline")
	got := run(t, testkit.Path("tai64nlocal"), []string{"TZ=UTC"}, []byte(in.String()))
	if string(got.stdout) != in.String() || got.code != 0 {
		t.Errorf("got exit %d:\n%.2000s", got.code, got.stdout)
	}
	// One crash of the C build, to show the lines really are malformed.
	c := run(t, testkit.Oracle(t, "tai64nlocal"), []string{"TZ=UTC"}, []byte("@4000 x\n"))
	if c.code == 0 {
		t.Errorf("C tai64nlocal survived @4000: %q", c.stdout)
	}
}

// TestTai64nlocalLabelAtEndOfInput is a deliberate difference: 0.76 drops
// a label that is the last thing in the input (it exits while still
// reading digits); ours converts it.
func TestTai64nlocalLabelAtEndOfInput(t *testing.T) {
	in := []byte("a\n" + labelFor(0, 0))
	got := run(t, testkit.Path("tai64nlocal"), []string{"TZ=UTC"}, in)
	if string(got.stdout) != "a\n1970-01-01 00:00:00.000000000" {
		t.Errorf("got %q", got.stdout)
	}
	c := run(t, testkit.Oracle(t, "tai64nlocal"), []string{"TZ=UTC"}, in)
	if string(c.stdout) != "a\n" {
		t.Errorf("C now prints %q", c.stdout)
	}
}

// TestTai64nlocalFlushesWhenInputPauses: through a pipe, each converted
// line appears while the input is still open.
func TestTai64nlocalFlushesWhenInputPauses(t *testing.T) {
	for _, bin := range []string{testkit.Oracle(t, "tai64nlocal"), testkit.Path("tai64nlocal")} {
		cmd, w, r := startPiped(t, bin, []string{"TZ=UTC"})
		for _, l := range []struct{ in, want string }{
			{labelFor(0, 0) + " one\n", "1970-01-01 00:00:00.000000000 one\n"},
			{"plain\n", "plain\n"},
			{labelFor(1, 0) + " two\n", "1970-01-01 00:00:01.000000000 two\n"},
		} {
			io.WriteString(w, l.in)
			got, err := r.ReadString('\n')
			if got != l.want || err != nil {
				t.Errorf("%s: got %q (%v), want %q", bin, got, err, l.want)
			}
		}
		w.Close()
		cmd.Wait()
	}
}
