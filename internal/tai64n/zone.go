package tai64n

import (
	"encoding/binary"
	"os"
	"strings"
	"time"
)

// localZone is the zone tai64nlocal prints in. Go's time.Local reads TZ
// as a zoneinfo name or path; the C library also accepts a POSIX rule such
// as "JST-9" or "CET-1CEST,M3.5.0,M10.5.0/3" when no such file exists.
// For that case a zone is built from the rule, so both builds agree.
func localZone() *time.Location {
	tz, ok := os.LookupEnv("TZ")
	tz = strings.TrimPrefix(tz, ":")
	if !ok || tz == "" || tz == "UTC" || time.Local.String() != "UTC" {
		return time.Local
	}
	if strings.HasPrefix(tz, "/") {
		return time.Local // a missing file: the C library uses UTC too
	}
	return posixZone(tz)
}

// posixZone applies a POSIX TZ rule from 1970 on. Before 1970 glibc does
// not apply the rule's daylight-saving dates (it computes them for 1970),
// so every earlier moment gets the offset in force at the 1970 epoch;
// posixZone copies that.
func posixZone(rule string) *time.Location {
	plain, err := time.LoadLocationFromTZData(rule, tzif(rule, zoneType{name: "UTC"}))
	if err != nil {
		return time.UTC
	}
	epoch := time.Unix(0, 0).In(plain)
	name, offset := epoch.Zone()
	loc, err := time.LoadLocationFromTZData(rule, tzif(rule, zoneType{name, offset, epoch.IsDST()}))
	if err != nil {
		return plain
	}
	return loc
}

type zoneType struct {
	name   string
	offset int
	isDST  bool
}

// tzif returns a TZif (version 2) file with two local time types: before
// the epoch, the given one; from the epoch, UTC, which Go replaces by the
// rule in the footer (it applies the footer after the last transition).
func tzif(rule string, before zoneType) []byte {
	chars := before.name + "\x00UTC\x00"
	header := func(b []byte, timecnt uint32) []byte {
		b = append(b, "TZif2"...)
		b = append(b, make([]byte, 15)...)
		// isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
		for _, n := range []uint32{0, 0, 0, timecnt, 2, uint32(len(chars))} {
			b = binary.BigEndian.AppendUint32(b, n)
		}
		return b
	}
	types := func(b []byte) []byte {
		b = binary.BigEndian.AppendUint32(b, uint32(int32(before.offset)))
		dst := byte(0)
		if before.isDST {
			dst = 1
		}
		b = append(b, dst, 0)
		b = binary.BigEndian.AppendUint32(b, 0)
		return append(b, 0, byte(len(before.name)+1))
	}
	var b []byte
	b = header(b, 0) // version 1 block, which Go skips
	b = types(b)
	b = append(b, chars...)
	b = header(b, 1) // version 2 block: at the epoch, to type 1
	b = binary.BigEndian.AppendUint64(b, 0)
	b = append(b, 1)
	b = types(b)
	b = append(b, chars...)
	return append(b, "\n"+rule+"\n"...)
}
