// Package tai64 owns TAI64N labels as daemontools writes them: 8 bytes of
// seconds (2^62 + 10 + Unix time, no leap-second table) and 4 bytes of
// nanoseconds, both big-endian, shown as "@" and 24 lowercase hex digits.
//
// It does not import package time, whose start-up (its internal/godebug
// set-up) costs svok and svstat, which read the status record, a tenth of
// a millisecond: Now reads the runtime's clock itself, and callers that
// need a time.Time build it from Unix and Nano.
package tai64

import (
	"encoding/binary"
	_ "unsafe" // for go:linkname
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

// Now returns the current moment: the wall clock that time.Now reads.
func Now() N {
	sec, nsec, _ := runtimeNow()
	return N{Sec: uint64(sec) + Offset, Nano: uint32(nsec)}
}

// runtimeNow is the runtime's clock under time.Now (seconds and
// nanoseconds since 1970, and the monotonic reading): package time's
// "now", which the runtime keeps for packages that link to it.
//
//go:linkname runtimeNow time.now
func runtimeNow() (sec int64, nsec int32, mono int64)

// Unix returns the Unix seconds of n.
func (n N) Unix() int64 { return int64(n.Sec - Offset) }

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
