package tai64n

import (
	"math"
	"time"
)

// localFormatter writes moments as tai64nlocal does,
// "YYYY-MM-DD HH:MM:SS.NNNNNNNNN" in a time zone. The calendar part is
// cached per second, because consecutive log lines mostly share one.
type localFormatter struct {
	loc *time.Location

	cached bool
	sec    int64
	prefix []byte // "YYYY-MM-DD HH:MM:SS."
}

// newLocalFormatter formats in loc (time.Local honours TZ).
func newLocalFormatter(loc *time.Location) *localFormatter {
	return &localFormatter{loc: loc, prefix: make([]byte, 0, 48)}
}

// Bounds of what C's localtime can represent: the year minus 1900 must fit
// in an int. Outside them 0.76's tai64nlocal crashes. The limit on the
// seconds keeps the calendar arithmetic clear of overflow before the year
// is checked. The years are int64: past 2^31-1 they do not fit in a Go int
// on a 32-bit build.
const (
	maxAbsUnix = 1 << 58
	minYear    = int64(math.MinInt32) + 1900
	maxYear    = int64(math.MaxInt32) + 1900
)

// AppendLocal appends the local time of unix seconds and nano. It reports
// false, appending nothing, for a moment whose year C's localtime cannot
// represent.
func (f *localFormatter) AppendLocal(dst []byte, unix int64, nano uint32) ([]byte, bool) {
	if !f.cached || unix != f.sec {
		if !f.fill(unix) {
			return dst, false
		}
	}
	dst = append(dst, f.prefix...)
	return appendMin(dst, uint64(nano), 9), true
}

func (f *localFormatter) fill(unix int64) bool {
	if unix > maxAbsUnix || unix < -maxAbsUnix {
		return false
	}
	// The zone's offset from time; the calendar from civil, in int64,
	// because time.Time's Date and Clock give the year as an int, which
	// wraps past 2^31-1 on a 32-bit build (the offset itself is right
	// there for every year that fits in an int).
	_, offset := time.Unix(unix, 0).In(f.loc).Zone()
	year, month, day, secs := civil(unix + int64(offset))
	if year < minYear || year > maxYear {
		return false
	}
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
	p = appendMin(p, uint64(secs/3600), 2)
	p = append(p, ':')
	p = appendMin(p, uint64(secs/60%60), 2)
	p = append(p, ':')
	p = appendMin(p, uint64(secs%60), 2)
	p = append(p, '.')
	f.prefix, f.sec, f.cached = p, unix, true
	return true
}

// civil splits seconds since 1970-01-01 00:00:00 (of a local clock) into
// the proleptic Gregorian year, month, day and seconds of the day, in
// int64 on every architecture (H. Hinnant's civil_from_days).
func civil(local int64) (year, month, day, secs int64) {
	days, secs := local/86400, local%86400
	if secs < 0 {
		days, secs = days-1, secs+86400
	}
	z := days + 719468 // days since 0000-03-01
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097                                  // day of the 400-year era
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of the year from March 1
	mp := (5*doy + 2) / 153                                // month from March
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day, secs
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
