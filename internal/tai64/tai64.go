// Package tai64 owns TAI64N labels as daemontools writes them: 8 bytes of
// seconds (2^62 + 10 + Unix time, no leap-second table) and 4 bytes of
// nanoseconds, both big-endian, shown as "@" and 24 lowercase hex digits.
package tai64

import (
	"encoding/binary"
	"time"
)

// Offset is what daemontools adds to Unix seconds: 2^62 plus a constant
// 10-second TAI-UTC difference.
const Offset = uint64(1)<<62 + 10

// LabelLen is the length of "@" plus 24 hex digits.
const LabelLen = 25

// N is a TAI64N moment.
type N struct {
	Sec  uint64
	Nano uint32
}

// Now returns the current moment.
func Now() N { return FromTime(time.Now()) }

// FromTime converts a wall-clock time.
func FromTime(t time.Time) N {
	return N{Sec: uint64(t.Unix()) + Offset, Nano: uint32(t.Nanosecond())}
}

// Unix returns the Unix seconds of n.
func (n N) Unix() int64 { return int64(n.Sec - Offset) }

// Time converts n back to a wall-clock time.
func (n N) Time() time.Time { return time.Unix(n.Unix(), int64(n.Nano)) }

// Pack writes the 12-byte external form into b.
func (n N) Pack(b []byte) {
	binary.BigEndian.PutUint64(b[0:8], n.Sec)
	binary.BigEndian.PutUint32(b[8:12], n.Nano)
}

// Unpack reads the 12-byte external form.
func Unpack(b []byte) N {
	return N{Sec: binary.BigEndian.Uint64(b[0:8]), Nano: binary.BigEndian.Uint32(b[8:12])}
}

const hexdigits = "0123456789abcdef"

// AppendLabel appends "@" and 24 lowercase hex digits.
func (n N) AppendLabel(dst []byte) []byte {
	var raw [12]byte
	n.Pack(raw[:])
	dst = append(dst, '@')
	for _, c := range raw {
		dst = append(dst, hexdigits[c>>4], hexdigits[c&15])
	}
	return dst
}

// Label returns the 25-byte label.
func (n N) Label() string { return string(n.AppendLabel(make([]byte, 0, LabelLen))) }

// ParseLabel reads a label of exactly "@" and 24 hex digits (either case).
func ParseLabel(s []byte) (N, bool) {
	if len(s) != LabelLen || s[0] != '@' {
		return N{}, false
	}
	var raw [12]byte
	for i := 0; i < 12; i++ {
		hi, ok1 := unhex(s[1+2*i])
		lo, ok2 := unhex(s[2+2*i])
		if !ok1 || !ok2 {
			return N{}, false
		}
		raw[i] = hi<<4 | lo
	}
	return Unpack(raw[:]), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
