package tai64n

import (
	"strconv"
	"testing"
	"time"
)

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
		got, ok := newLocalFormatter(c.loc).AppendLocal([]byte("<"), c.unix, c.nano)
		if !ok || string(got) != "<"+c.want {
			t.Errorf("%d.%d: %q %v, want %q", c.unix, c.nano, got, ok, c.want)
		}
	}
}

// TestAppendLocalRefusesWhatLocaltimeCannot: when the year minus 1900
// does not fit in a C int, localtime fails (and 0.76 crashes); AppendLocal
// says so.
func TestAppendLocalRefusesWhatLocaltimeCannot(t *testing.T) {
	f := newLocalFormatter(time.UTC)
	// The last second of year 2^31-1+1900 and the first of -2^31+1900,
	// written out: the years do not fit in a 32-bit int, time.Date's
	// argument (TestBoundsAreTimesCalendar checks them on 64-bit builds).
	const lastYear, firstYear = 67_768_036_191_676_799, -67_768_040_609_740_800
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
	f := newLocalFormatter(time.UTC)
	a, _ := f.AppendLocal(nil, 100, 1)
	b, _ := f.AppendLocal(nil, 100, 2)
	c, _ := f.AppendLocal(nil, 101, 3)
	if string(a) != "1970-01-01 00:01:40.000000001" || string(b) != "1970-01-01 00:01:40.000000002" || string(c) != "1970-01-01 00:01:41.000000003" {
		t.Errorf("%q %q %q", a, b, c)
	}
}

// TestBoundsAreTimesCalendar: the bounds written out above are time's own
// (where its int holds the years).
func TestBoundsAreTimesCalendar(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("time.Date's year is an int: 32 bits here")
	}
	last, first := int64(2147485547), int64(-2147481748)
	if got := time.Date(int(last), 12, 31, 23, 59, 59, 0, time.UTC).Unix(); got != 67_768_036_191_676_799 {
		t.Errorf("last second of year %d: %d", last, got)
	}
	if got := time.Date(int(first), 1, 1, 0, 0, 0, 0, time.UTC).Unix(); got != -67_768_040_609_740_800 {
		t.Errorf("first second of year %d: %d", first, got)
	}
}

// TestAppendLocalPast2038: moments past 2^31-1 seconds (January 2038) and
// past 2^32 (2106) come out right on every build, 32-bit ones included.
func TestAppendLocalPast2038(t *testing.T) {
	cases := []struct {
		unix int64
		want string
	}{
		{1<<31 - 1, "2038-01-19 03:14:07.000000000"},
		{1 << 31, "2038-01-19 03:14:08.000000000"},
		{1 << 32, "2106-02-07 06:28:16.000000000"},
		{253_402_300_799, "9999-12-31 23:59:59.000000000"},
		{4_107_542_400, "2100-03-01 00:00:00.000000000"}, // 2100 is not a leap year
		{951_782_400, "2000-02-29 00:00:00.000000000"},   // 2000 is
	}
	for _, c := range cases {
		got, ok := newLocalFormatter(time.UTC).AppendLocal(nil, c.unix, 0)
		if !ok || string(got) != c.want {
			t.Errorf("%d: %q %v, want %q", c.unix, got, ok, c.want)
		}
	}
}

// TestCivilIsTimesCalendar compares civil with time's calendar over a
// spread of moments, negative ones and leap days included.
func TestCivilIsTimesCalendar(t *testing.T) {
	for unix := int64(-70_000_000_000); unix < 70_000_000_000; unix += 86_399_999 {
		for _, u := range []int64{unix, unix + 86399, unix - 1} {
			tm := time.Unix(u, 0).UTC()
			y, m, d, s := civil(u)
			h, mi, se := tm.Clock()
			if y != int64(tm.Year()) || m != int64(tm.Month()) || d != int64(tm.Day()) || s != int64(h*3600+mi*60+se) {
				t.Fatalf("%d: %d-%d-%d +%d, time says %v", u, y, m, d, s, tm)
			}
		}
	}
}
