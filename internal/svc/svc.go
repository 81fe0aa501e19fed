// Package svc is the svc program of daemontools 0.76: it sends command
// letters to supervise through internal/control. It is apart from
// control because it ignores SIGPIPE through os/signal, whose start-up
// (package os with it) svok and svstat, which share control, do without.
package svc

import (
	"errors"
	"io"
	"os/signal"
	"syscall"

	"github.com/daemontools-go/daemontools/internal/control"
	"github.com/daemontools-go/daemontools/internal/djb"
)

// svcOptions are the 0.76 command letters, in getopt's option string,
// and the signals 0.76 cannot send, in daemontools-encore's letters: q
// QUIT, 1 USR1, 2 USR2, w WINCH. Each letter is sent as it is; 0.76's
// supervise ignores bytes it does not know, so the new letters do
// nothing there.
const svcOptions = "udopchaitkx" + "q12w"

// svcUsage is 0.76's usage line, kept word for word (it does not list q 1 2 w).
const svcUsage = "svc options: u up, d down, o once, x exit, p pause, c continue, h hup, a alarm, i interrupt, t term, k kill"

// Main is the svc program: send the command letters given as options to
// each service directory named as an operand. Per-directory failures are
// warnings; only losing the working directory is fatal.
func Main(args []string, stderr io.Writer) int {
	// A supervise that dies between open and write must not kill svc:
	// the write fails with EPIPE and is reported. (Go's runtime already
	// spares programs SIGPIPE on descriptors other than 1 and 2; ignoring
	// it states the 0.76 contract and covers stderr too.)
	signal.Ignore(syscall.SIGPIPE)
	cmds, dirs, ok := svcParse(args, stderr)
	if !ok {
		io.WriteString(stderr, svcUsage+"\n")
		return djb.ExitUsage
	}
	origin, err := control.OpenOrigin()
	if err != nil {
		djb.FatalErr(stderr, "svc", err, "unable to open current directory")
		return djb.ExitTemp
	}
	defer origin.Close()
	for _, dir := range dirs {
		svcOne(dir, cmds, stderr)
		if err := origin.Return(); err != nil {
			djb.FatalErr(stderr, "svc", err, "unable to set directory")
			return djb.ExitTemp
		}
	}
	return 0
}

// svcParse returns each command letter once, in order of first
// occurrence, and the directories.
func svcParse(args []string, stderr io.Writer) (cmds []byte, dirs []string, ok bool) {
	g := djb.NewGetopt(args, stderr)
	for {
		c := g.Next(svcOptions)
		if c == djb.Done {
			return cmds, g.Operands(), true
		}
		if c == '?' {
			return nil, nil, false
		}
		if !containsByte(cmds, byte(c)) {
			cmds = append(cmds, byte(c))
		}
	}
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// svcOne sends cmds to one directory; even with no commands the FIFO is
// opened, so "supervise not running" is still reported.
func svcOne(dir string, cmds []byte, stderr io.Writer) {
	if err := control.Enter(dir); err != nil {
		djb.WarnErr(stderr, "svc", err, "unable to chdir to ", dir)
		return
	}
	conn, err := control.Dial()
	if errors.Is(err, control.ErrNotRunning) {
		djb.Warn(stderr, "svc", "unable to control ", dir, ": supervise not running")
		return
	}
	if err != nil {
		djb.WarnErr(stderr, "svc", err, "unable to control ", dir)
		return
	}
	defer conn.Close()
	if err := conn.Send(cmds); err != nil {
		djb.WarnErr(stderr, "svc", err, "error writing commands to ", dir)
	}
}
