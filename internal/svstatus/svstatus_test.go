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
