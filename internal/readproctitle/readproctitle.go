// Package readproctitle owns daemontools 0.76's readproctitle: it shows the
// tail of its standard input in its own last argument, so that ps(1)
// displays recent error messages (svscanboot feeds it svscan's stderr).
package readproctitle

import (
	"errors"
	"io"
	"syscall"
)

// Exit codes of 0.76: 100 for bad arguments (silently), 111 for a read
// error, 0 at end of input.
const (
	exitUsage = 100
	exitRead  = 111
)

// keep is how many leading bytes of the title never scroll away: 0.76
// shifts from position 3 onward, so the first three dots stay.
const keep = 3

// Main runs readproctitle. title is the memory of the last argument as the
// kernel shows it (see ArgvTail); nil means "no arguments". It never
// writes any message.
func Main(args []string, title []byte, stdin io.Reader) int {
	if len(args) < 2 || title == nil || len(title) < 5 {
		return exitUsage
	}
	for i := range title {
		title[i] = '.'
	}
	buf := make([]byte, 512)
	for {
		n, err := stdin.Read(buf)
		for _, ch := range buf[:n] {
			scroll(title, ch)
		}
		switch {
		case err == io.EOF:
			return 0
		case errors.Is(err, syscall.EINTR):
		case err != nil:
			return exitRead
		}
	}
}

// scroll appends one byte at the end of the title, dropping the oldest
// byte after the fixed prefix. NUL bytes are ignored, as in 0.76.
func scroll(title []byte, ch byte) {
	if ch == 0 {
		return
	}
	copy(title[keep:], title[keep+1:])
	title[len(title)-1] = ch
}
