// Package svstatus owns the supervise/ directory's on-disk formats: the
// 18-byte status record of daemontools 0.76 and the names of the files
// beside it. Nothing else in the tree encodes or decodes the record.
// files.go holds how supervise makes them as 0.76 does: the directory
// (with Debian's dangling-symlink patch), the flock'ed lock file, and the
// atomic status write (status.new, then rename).
//
// Layout: bytes 0-11 TAI64N of the last pid change (big-endian), 12-15 the
// pid (little-endian, 0 when down), 16 the paused flag, 17 the want byte
// ('u', 'd', or 0 after "once").
package svstatus

import (
	"encoding/binary"
	"errors"

	"github.com/daemontools-go/daemontools/internal/tai64"
)

// Size is the length of supervise/status in 0.76.
const Size = 18

// File names inside a service's supervise/ directory, relative to the
// service directory.
const (
	Dir       = "supervise"
	Lock      = "supervise/lock"
	Control   = "supervise/control"
	OK        = "supervise/ok"
	Status    = "supervise/status"
	StatusNew = "supervise/status.new"
)

// Want byte values.
const (
	WantUp   = 'u'
	WantDown = 'd'
	WantOnce = 0
)

// Record is the decoded 18-byte status.
type Record struct {
	When   tai64.N // last time the pid changed
	PID    int     // 0 when the service is down
	Paused bool
	Want   byte
}

// ErrBadFormat is returned for a record shorter than Size bytes; svstat
// prints it as "bad format".
var ErrBadFormat = errors.New("bad format")

// Encode returns the 18-byte external form.
func (r Record) Encode() [Size]byte {
	var b [Size]byte
	r.When.Pack(b[0:12])
	binary.LittleEndian.PutUint32(b[12:16], uint32(r.PID))
	if r.Paused {
		b[16] = 1
	}
	b[17] = r.Want
	return b
}

// Decode reads a record; extra bytes after the first 18 (written by
// daemontools-encore or runit) are ignored.
func Decode(b []byte) (Record, error) {
	if len(b) < Size {
		return Record{}, ErrBadFormat
	}
	return Record{
		When:   tai64.Unpack(b[0:12]),
		PID:    int(binary.LittleEndian.Uint32(b[12:16])),
		Paused: b[16] != 0,
		Want:   b[17],
	}, nil
}
