package osfree

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// TestSvokSvstatLeaveOutOsAndTime: svok and svstat link neither os nor
// time, nor io/fs or golang.org/x/sys/unix, which import time; each would
// cost them start-up time (see the package comments of cmd/svok and
// cmd/svstat).
func TestSvokSvstatLeaveOutOsAndTime(t *testing.T) {
	root, err := testkit.Root()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "./cmd/svok", "./cmd/svstat")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		switch p {
		case "os", "time", "io/fs", "golang.org/x/sys/unix":
			t.Errorf("svok or svstat imports %s", p)
		}
	}
}

// TestPollFdIsUnixs: the struct pollfd and POLLOUT written here are
// x/sys/unix's.
func TestPollFdIsUnixs(t *testing.T) {
	if unsafe.Sizeof(pollFd{}) != unsafe.Sizeof(unix.PollFd{}) || pollOut != unix.POLLOUT {
		t.Fatalf("pollfd %d bytes, POLLOUT %#x; unix: %d, %#x", unsafe.Sizeof(pollFd{}), pollOut, unsafe.Sizeof(unix.PollFd{}), unix.POLLOUT)
	}
}

// TestFullNonblockingPipeIsWaitedFor: a write to a non-blocking pipe that
// fills waits until the reader has made room, as os.Stdout's does, and
// delivers every byte.
func TestFullNonblockingPipeIsWaitedFor(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	r := os.NewFile(uintptr(p[0]), "r")
	defer r.Close()
	defer unix.Close(p[1])
	unix.SetNonblock(p[0], false)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, far more than a pipe holds
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(r, int64(len(data))))
		got <- b
	}()
	if n, err := dieOnEPIPE(p[1]).Write(data); n != len(data) || err != nil {
		t.Fatalf("wrote %d of %d: %v", n, len(data), err)
	}
	if b := <-got; !bytes.Equal(b, data) {
		t.Fatalf("read %d bytes, not what was written", len(b))
	}
}
