package tai64n

import (
	"bytes"
	"fmt"
	"testing"
	"testing/iotest"
	"time"

	"github.com/daemontools-go/daemontools/internal/tai64"
)

// reference is tai64nlocal written the obvious way, a line at a time.
func reference(in []byte, loc *time.Location) []byte {
	f := newLocalFormatter(loc)
	var out []byte
	for _, line := range bytes.SplitAfter(in, []byte("\n")) {
		unix, nano, n := tai64.ScanLabel(line)
		if n > 0 {
			if conv, ok := f.AppendLocal(nil, unix, nano); ok {
				out = append(out, conv...)
				line = line[n:]
			}
		}
		out = append(out, line...)
	}
	return out
}

// FuzzTai64nlocal feeds arbitrary input, one or a few bytes per read so
// that labels and lines straddle reads, and checks the filter against the
// line-at-a-time reference and the label parser against the calendar.
func FuzzTai64nlocal(f *testing.F) {
	for _, seed := range []string{
		"", "\n", "plain\n", "@", "@\n", "@400000000000000a00000000 epoch\n",
		"@400000006b063e9f1c9ed204 hi\n@400000006b063e9f1c9ed205\nno label\n",
		"@400000006B063E9F1C9ED204 upper\n", "@XYZ\n", "@4000\n",
		"@0000000000000000400000006b063e9f1c9ed204 long\n",
		"@400000006b063e9fffffffff big nanos", "a\x00@\x00\n@400000006b063e9f1c9ed204\x00",
		"@ffffffffffffffffffffffff\n", "@3fffffffffffffff00000000 -1\n",
	} {
		f.Add([]byte(seed))
	}
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		loc = time.UTC
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		l := &localizer{f: newLocalFormatter(loc), buf: make([]byte, 16)}
		l.out = newOutput(&out)
		l.in = newInput(iotest.DataErrReader(iotest.HalfReader(bytes.NewReader(in))), l.out)
		if err := l.run(); err != nil {
			t.Fatal(err)
		}
		if want := reference(in, loc); !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("input %q:\n got %q\nwant %q", in, out.Bytes(), want)
		}
		checkLabel(t, in)
	})
}

// checkLabel compares ScanLabel and AppendLocal with time's own calendar.
func checkLabel(t *testing.T, in []byte) {
	unix, nano, n := tai64.ScanLabel(in)
	if (n > 0) != (len(in) > 0 && in[0] == '@') {
		t.Fatalf("%q: consumed %d", in, n)
	}
	for _, c := range in[min(1, n):n] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			t.Fatalf("%q: took %q as a digit", in, c)
		}
	}
	if n < len(in) && n > 0 && bytes.IndexByte([]byte("0123456789abcdef"), in[n]) >= 0 {
		t.Fatalf("%q: stopped at digit %q", in, in[n])
	}
	if n == tai64.LabelLen {
		if want, ok := tai64.ParseLabel(in[:n]); !ok || uint64(unix)+tai64.Offset != want.Sec || nano != want.Nano {
			t.Fatalf("%q: %d %d vs ParseLabel %+v", in, unix, nano, want)
		}
	}
	got, ok := newLocalFormatter(time.UTC).AppendLocal(nil, unix, nano)
	tm := time.Unix(unix, 0).UTC()
	if !ok {
		if n > 0 && unix > -1e15 && unix < 1e15 {
			t.Fatalf("%q: refused a sane time %v", in, tm)
		}
		return
	}
	// Years 0 to 10^6 (the bound on the seconds first: time's year is an
	// int, which wraps on a 32-bit build far beyond them).
	if unix >= -62_167_219_200 && unix < 31_494_816_403_200 && tm.Year() >= 0 && tm.Year() <= 1e6 {
		want := fmt.Sprintf("%d-%02d-%02d %02d:%02d:%02d.%09d", tm.Year(), tm.Month(), tm.Day(), tm.Hour(), tm.Minute(), tm.Second(), nano)
		if string(got) != want {
			t.Fatalf("%q: %q, want %q", in, got, want)
		}
	}
}
