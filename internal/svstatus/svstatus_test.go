package svstatus

import (
	"bytes"
	"testing"

	"github.com/daemontools-go/daemontools/internal/tai64"
)

// The bytes of a status file written by Debian's C supervise for a running
// service, pid 7692, want up.
var cStatus = []byte{0x40, 0, 0, 0, 0x6b, 0x06, 0x3e, 0x66, 0x38, 0x3c, 0xb4, 0xa4, 0x0c, 0x1e, 0, 0, 0, 'u'}

func TestDecodeCRecord(t *testing.T) {
	r, err := Decode(cStatus)
	if err != nil {
		t.Fatal(err)
	}
	want := Record{When: tai64.N{Sec: 0x400000006b063e66, Nano: 0x383cb4a4}, PID: 7692, Want: 'u'}
	if r != want {
		t.Fatalf("got %+v", r)
	}
	enc := r.Encode()
	if !bytes.Equal(enc[:], cStatus) {
		t.Fatalf("re-encode %x", enc)
	}
}

func TestDecodeShort(t *testing.T) {
	if _, err := Decode(cStatus[:17]); err != ErrBadFormat {
		t.Fatalf("short record: %v", err)
	}
}

// TestRecordPast2038: stamps past 2^31 seconds (2038) and past 2^32 (2106)
// encode to the same bytes and decode to the same moment on every build,
// 32-bit ones included; the pid stays little-endian.
func TestRecordPast2038(t *testing.T) {
	for _, c := range []struct {
		unix int64
		want []byte
	}{
		{1 << 31, []byte{0x40, 0, 0, 0, 0x80, 0, 0, 0x0a, 0, 0, 0, 5, 0x0c, 0x1e, 0, 0, 0, 'u'}},
		{1 << 32, []byte{0x40, 0, 0, 1, 0, 0, 0, 0x0a, 0, 0, 0, 5, 0x0c, 0x1e, 0, 0, 0, 'u'}},
	} {
		r := Record{When: tai64.N{Sec: uint64(c.unix) + tai64.Offset, Nano: 5}, PID: 7692, Want: 'u'}
		if enc := r.Encode(); !bytes.Equal(enc[:], c.want) {
			t.Errorf("%d: encoded % x, want % x", c.unix, enc, c.want)
		}
		back, err := Decode(c.want)
		if err != nil || back != r || back.When.Unix() != c.unix {
			t.Errorf("%d: decoded %+v %v, want %+v", c.unix, back, err, r)
		}
	}
}
