package tai64

// ScanLabel reads a label the way 0.76's tai64nlocal does: b[0] must be
// '@', then lowercase hex digits are taken up to the first other byte (an
// uppercase digit ends the label too). The last 8 digits read are the
// nanoseconds and the ones before them the seconds, kept modulo 2^64 as C
// does, so any number of digits is accepted. unix is the seconds minus
// Offset; n is the number of bytes consumed, '@' included (0 when b does
// not start with '@').
func ScanLabel(b []byte) (unix int64, nano uint32, n int) {
	if len(b) == 0 || b[0] != '@' {
		return 0, 0, 0
	}
	var sec uint64
	var ns uint64
	n = 1
	for ; n < len(b); n++ {
		d := lowerHex[b[n]]
		if d < 0 {
			break
		}
		sec = sec<<4 + ns>>28
		ns = (ns&0xfffffff)<<4 + uint64(d)
	}
	return int64(sec - Offset), uint32(ns), n
}

// lowerHex maps a byte to its value as a lowercase hex digit, or -1.
var lowerHex = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < 10; i++ {
		t['0'+i] = int8(i)
	}
	for i := 0; i < 6; i++ {
		t['a'+i] = int8(10 + i)
	}
	return t
}()
