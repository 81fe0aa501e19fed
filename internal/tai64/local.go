package tai64

import (
	"math"
	"time"
)

// LocalFormatter writes moments as tai64nlocal does,
// "YYYY-MM-DD HH:MM:SS.NNNNNNNNN" in a time zone. The calendar part is
// cached per second, because consecutive log lines mostly share one.
type LocalFormatter struct {
	loc *time.Location

	cached bool
	sec    int64
	prefix []byte // "YYYY-MM-DD HH:MM:SS."
}

// NewLocalFormatter formats in loc (time.Local honours TZ).
func NewLocalFormatter(loc *time.Location) *LocalFormatter {
	return &LocalFormatter{loc: loc, prefix: make([]byte, 0, 48)}
}

// Bounds of what C's localtime can represent: the year minus 1900 must fit
// in an int. Outside them 0.76's tai64nlocal crashes. The limit on the
// seconds keeps Go's time arithmetic clear of overflow before the year is
// checked.
const (
	maxAbsUnix = 1 << 58
	minYear    = math.MinInt32 + 1900
	maxYear    = math.MaxInt32 + 1900
)

// AppendLocal appends the local time of unix seconds and nano. It reports
// false, appending nothing, for a moment whose year C's localtime cannot
// represent.
func (f *LocalFormatter) AppendLocal(dst []byte, unix int64, nano uint32) ([]byte, bool) {
	if !f.cached || unix != f.sec {
		if !f.fill(unix) {
			return dst, false
		}
	}
	dst = append(dst, f.prefix...)
	return appendMin(dst, uint64(nano), 9), true
}

func (f *LocalFormatter) fill(unix int64) bool {
	if unix > maxAbsUnix || unix < -maxAbsUnix {
		return false
	}
	t := time.Unix(unix, 0).In(f.loc)
	year, month, day := t.Date()
	if year < minYear || year > maxYear {
		return false
	}
	hour, min, sec := t.Clock()
	p := f.prefix[:0]
	// 0.76 prints 1900+tm_year, an int, with fmt_ulong: a negative year
	// or one past 2^31-1 shows as a 64-bit two's complement. Copy that
	// rather than invent a sign.
	p = appendMin(p, uint64(int64(int32(year))), 1)
	p = append(p, '-')
	p = appendMin(p, uint64(month), 2)
	p = append(p, '-')
	p = appendMin(p, uint64(day), 2)
	p = append(p, ' ')
	p = appendMin(p, uint64(hour), 2)
	p = append(p, ':')
	p = appendMin(p, uint64(min), 2)
	p = append(p, ':')
	p = appendMin(p, uint64(sec), 2)
	p = append(p, '.')
	f.prefix, f.sec, f.cached = p, unix, true
	return true
}

// appendMin appends v in decimal with at least width digits.
func appendMin(dst []byte, v uint64, width int) []byte {
	var b [20]byte
	i := len(b)
	for v >= 10 || width > 1 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		width--
	}
	i--
	b[i] = byte('0' + v)
	return append(dst, b[i:]...)
}
