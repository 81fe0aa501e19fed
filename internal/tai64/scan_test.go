package tai64

import (
	"testing"
	"time"
)

func TestScanLabelLikeTai64nlocal(t *testing.T) {
	cases := []struct {
		in   string
		unix int64
		nano uint32
		n    int
	}{
		{"@400000006b063e9f1c9ed204 hi", 0x6b063e9f - 10, 0x1c9ed204, 25},
		{"@400000000000000a00000000", 0, 0, 25},
		// Any number of digits: the last 24 count.
		{"@0000000000000000400000006b063e9f1c9ed204\n", 0x6b063e9f - 10, 0x1c9ed204, 41},
		// An uppercase digit ends the label.
		{"@400000006B063E9F", 4 - int64(Offset), 0x6, 10},
		{"@", -int64(Offset), 0, 1},
		{"@XYZ", -int64(Offset), 0, 1},
		{"@400000006b063e9fffffffff", 0x6b063e9f - 10, 0xffffffff, 25},
		{"x@4000", 0, 0, 0},
		{"", 0, 0, 0},
	}
	for _, c := range cases {
		unix, nano, n := ScanLabel([]byte(c.in))
		if unix != c.unix || nano != c.nano || n != c.n {
			t.Errorf("%q: %d %#x %d, want %d %#x %d", c.in, unix, nano, n, c.unix, c.nano, c.n)
		}
	}
}

func TestAppendLocalFormat(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip(err)
	}
	cases := []struct {
		loc  *time.Location
		unix int64
		nano uint32
		want string
	}{
		{time.UTC, 0, 0, "1970-01-01 00:00:00.000000000"},
		{tokyo, 0, 5, "1970-01-01 09:00:00.000000005"},
		{time.UTC, 1_764_000_000, 4294967295, "2025-11-24 16:00:00.4294967295"},
		{time.UTC, -62_135_596_801, 0, "0-12-31 23:59:59.000000000"},
		// Negative years and years past 2^31-1 come out as 0.76's int
		// arithmetic and fmt_ulong print them.
		{time.UTC, -62_167_219_201, 0, "18446744073709551615-12-31 23:59:59.000000000"},
		{time.UTC, 67_767_976_233_532_799, 0, "2147483647-12-31 23:59:59.000000000"},
		{time.UTC, 67_767_976_233_532_800, 0, "18446744071562067968-01-01 00:00:00.000000000"},
	}
	for _, c := range cases {
		got, ok := NewLocalFormatter(c.loc).AppendLocal([]byte("<"), c.unix, c.nano)
		if !ok || string(got) != "<"+c.want {
			t.Errorf("%d.%d: %q %v, want %q", c.unix, c.nano, got, ok, c.want)
		}
	}
}

// TestAppendLocalRefusesWhatLocaltimeCannot: when the year minus 1900
// does not fit in a C int, localtime fails (and 0.76 crashes); AppendLocal
// says so.
func TestAppendLocalRefusesWhatLocaltimeCannot(t *testing.T) {
	f := NewLocalFormatter(time.UTC)
	lastYear := time.Date(2147485547, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
	firstYear := time.Date(-2147481748, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for _, unix := range []int64{lastYear + 1, firstYear - 1, 1 << 57, 1 << 62, -1 << 63} {
		if got, ok := f.AppendLocal(nil, unix, 0); ok {
			t.Errorf("%d: accepted as %q", unix, got)
		}
	}
	for _, unix := range []int64{lastYear, firstYear} {
		if _, ok := f.AppendLocal(nil, unix, 0); !ok {
			t.Errorf("%d: refused", unix)
		}
	}
}

func TestAppendLocalCacheFollowsTheSecond(t *testing.T) {
	f := NewLocalFormatter(time.UTC)
	a, _ := f.AppendLocal(nil, 100, 1)
	b, _ := f.AppendLocal(nil, 100, 2)
	c, _ := f.AppendLocal(nil, 101, 3)
	if string(a) != "1970-01-01 00:01:40.000000001" || string(b) != "1970-01-01 00:01:40.000000002" || string(c) != "1970-01-01 00:01:41.000000003" {
		t.Errorf("%q %q %q", a, b, c)
	}
}
