package djb

import (
	"io"
	"strings"
)

// Exit codes shared by every program.
const (
	ExitUsage = 100 // usage errors and permanent answers
	ExitTemp  = 111 // temporary and system-call failures
)

// Fatal writes "PROG: fatal: " and the parts, then a newline, in one write.
func Fatal(w io.Writer, prog string, parts ...string) {
	say(w, prog, ": fatal: ", parts)
}

// Warn writes "PROG: warning: " and the parts, then a newline, in one write.
func Warn(w io.Writer, prog string, parts ...string) {
	say(w, prog, ": warning: ", parts)
}

// Usage writes "PROG: usage: " and the text, then a newline.
func Usage(w io.Writer, prog, text string) {
	say(w, prog, ": usage: ", []string{text})
}

// FatalErr is Fatal with ": " and ErrStr(err) appended.
func FatalErr(w io.Writer, prog string, err error, parts ...string) {
	say(w, prog, ": fatal: ", append(parts, ": ", ErrStr(err)))
}

// WarnErr is Warn with ": " and ErrStr(err) appended.
func WarnErr(w io.Writer, prog string, err error, parts ...string) {
	say(w, prog, ": warning: ", append(parts, ": ", ErrStr(err)))
}

func say(w io.Writer, prog, kind string, parts []string) {
	var b strings.Builder
	b.WriteString(prog)
	b.WriteString(kind)
	for _, p := range parts {
		b.WriteString(p)
	}
	b.WriteByte('\n')
	io.WriteString(w, b.String())
}
