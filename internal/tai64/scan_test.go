package tai64

import "testing"

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
