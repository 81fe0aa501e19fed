package tai64n

import (
	"bytes"
	"io"

	"github.com/daemontools-go/daemontools/internal/tai64"
)

// Stamp is the tai64n program: copy stdin to stdout with "@label " in
// front of every line, the label taken when the line's first byte is
// handled. An unterminated last line gets its label and no newline.
// Arguments are ignored; a read or write error exits 111 in silence, and
// end of input exits 0, as in 0.76.
func Stamp(args []string, stdin io.Reader, stdout io.Writer) int {
	out := newOutput(stdout)
	in := newInput(stdin, out)
	buf := make([]byte, blockSize)
	atStart := true
	for {
		n, err := in.read(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 111
		}
		atStart, err = stampBlock(out, buf[:n], atStart)
		if err != nil {
			return 111
		}
	}
	if out.flush() != nil {
		return 111
	}
	return 0
}

// stampBlock copies one block, labelling each line that starts in it.
func stampBlock(out *output, b []byte, atStart bool) (bool, error) {
	for len(b) > 0 {
		if atStart {
			out.buf = tai64.Now().AppendLabel(out.buf)
			out.buf = append(out.buf, ' ')
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out.buf = append(out.buf, b...)
			atStart = false
			b = nil
		} else {
			out.buf = append(out.buf, b[:i+1]...)
			atStart = true
			b = b[i+1:]
		}
		if out.full() {
			if err := out.flush(); err != nil {
				return atStart, err
			}
		}
	}
	return atStart, nil
}
