package svstate

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/daemontools-go/daemontools/internal/tai64"
)

func sample() State {
	return State{
		Supervisor: 12, State: Up, Want: WantUp, PID: 4321, PGID: 4321,
		Since: tai64.N{Sec: tai64.Offset + 1_700_000_000, Nano: 5},
		Ready: tai64.N{Sec: tai64.Offset + 1_700_000_001, Nano: 6}, NotificationFD: 3,
		Starts: 7, ExitCode: -1, Signal: 9, Exited: tai64.N{Sec: tai64.Offset + 1_600_000_000},
	}
}

func TestEncodeIsTheDocumentedText(t *testing.T) {
	s := sample()
	got := string(s.AppendEncode(nil))
	want := "format=1\nsupervisor=12\nstate=up\nwant=up\npaused=0\npid=4321\npgid=4321\n" +
		"since=" + s.Since.Label() + "\nready=" + s.Ready.Label() +
		"\nnotification-fd=3\nstarts=7\nexitcode=-1\nsignal=9\n" +
		"exited=" + s.Exited.Label() + "\nfinishpid=0\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, s := range []State{
		sample(),
		{Supervisor: 1, State: Down, Want: WantDown, NotificationFD: -1, ExitCode: 0},
		{Supervisor: 1, State: Finishing, Want: WantOnce, Paused: true, NotificationFD: -1, ExitCode: 3, FinishPID: 99},
	} {
		got, err := Parse(s.AppendEncode(nil))
		if err != nil || got != s {
			t.Fatalf("round trip of %+v: %+v %v", s, got, err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	good := string((&State{State: Down, Want: WantUp, NotificationFD: -1}).AppendEncode(nil))
	for name, in := range map[string]string{
		"format 2":       strings.Replace(good, "format=1", "format=2", 1),
		"torn":           good[:len(good)-1],
		"missing key":    strings.Replace(good, "pgid=0\n", "", 1),
		"bad state":      strings.Replace(good, "state=down", "state=sideways", 1),
		"bad label":      strings.Replace(good, "ready=", "ready=@12", 1),
		"no equals sign": good + "junk\n",
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Parse([]byte(good + "later-key=x\n")); err != nil {
		t.Errorf("unknown key: %v", err)
	}
}

func TestEncodeAllocatesNothing(t *testing.T) {
	s := sample()
	buf := make([]byte, 0, MaxSize)
	if n := testing.AllocsPerRun(100, func() { buf = s.AppendEncode(buf[:0]) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
	const most, least = int(^uint(0) >> 1), -int(^uint(0)>>1) - 1 // widest on 64- and 32-bit builds
	big := State{Supervisor: most, State: Finishing, Want: WantOnce, PID: most, PGID: most,
		Since: sample().Since, Ready: sample().Since, NotificationFD: most, Starts: 1<<64 - 1,
		ExitCode: least, Signal: least, Exited: sample().Since, FinishPID: most}
	if n := len(big.AppendEncode(nil)); n > MaxSize {
		t.Fatalf("largest record %d bytes > MaxSize", n)
	}
}

func TestWriteAndRead(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if _, err := Read(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Read without the file: %v", err)
	}
	if err := os.Mkdir("supervise", 0o700); err != nil {
		t.Fatal(err)
	}
	s := sample()
	if err := Write(s.AppendEncode(nil)); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil || got != s {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := os.Stat(FileNew); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("state.new left: %v", err)
	}
}
