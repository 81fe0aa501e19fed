package tai64n

import (
	"bytes"
	"io"

	"github.com/daemontools-go/daemontools/internal/tai64"
)

// Local is the tai64nlocal program: in each line that starts with '@',
// replace the label with "YYYY-MM-DD HH:MM:SS.NNNNNNNNN" in local time (TZ
// honoured) and copy the rest; other lines pass through. Labels are read
// as 0.76 reads them (tai64.ScanLabel). Where 0.76 would crash because the
// label names a time localtime cannot represent (too few digits, an
// uppercase digit cutting the label short, "@XYZ", absurd times), the line
// passes through unchanged. Read or write errors exit 111 silently, as in
// 0.76.
func Local(args []string, stdin io.Reader, stdout io.Writer) int {
	l := &localizer{
		f:   newLocalFormatter(localZone()),
		buf: make([]byte, blockSize),
	}
	l.out = newOutput(stdout)
	l.in = newInput(stdin, l.out)
	if err := l.run(); err != nil {
		return 111
	}
	return 0
}

// maxLabel bounds the memory spent on one label. 0.76 converts any
// number of digits (only the last 24 matter); a run longer than this is
// copied through instead of being held in memory.
const maxLabel = 1 << 20

type localizer struct {
	f    *localFormatter
	in   *input
	out  *output
	buf  []byte // input; unread bytes are buf[r:w]
	r, w int
	eof  bool
}

func (l *localizer) run() error {
	atStart := true
	for {
		if l.r == l.w {
			if l.eof {
				return l.out.flush()
			}
			if err := l.fill(); err != nil {
				return err
			}
			continue
		}
		if atStart && l.buf[l.r] == '@' && !l.labelComplete() {
			if l.w-l.r < maxLabel {
				if err := l.fill(); err != nil {
					return err
				}
				continue
			}
			atStart = false // an endless run of digits: pass it through
		}
		if atStart {
			l.convertLabel()
		}
		atStart = l.copyLine()
		if l.out.full() {
			if err := l.out.flush(); err != nil {
				return err
			}
		}
	}
}

// labelComplete reports whether the label at buf[r] ends inside the
// buffer, or the input has ended.
func (l *localizer) labelComplete() bool {
	_, _, n := tai64.ScanLabel(l.buf[l.r:l.w])
	return l.r+n < l.w || l.eof
}

// convertLabel replaces a label at buf[r] by local time; a label 0.76
// could not convert is left in place to be copied with its line.
func (l *localizer) convertLabel() {
	unix, nano, n := tai64.ScanLabel(l.buf[l.r:l.w])
	if n == 0 {
		return
	}
	var ok bool
	l.out.buf, ok = l.f.AppendLocal(l.out.buf, unix, nano)
	if ok {
		l.r += n
	}
}

// copyLine copies up to and including the next newline, or all that is
// buffered; it reports whether a line ended.
func (l *localizer) copyLine() bool {
	b := l.buf[l.r:l.w]
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		l.out.buf = append(l.out.buf, b...)
		l.r = l.w
		return false
	}
	l.out.buf = append(l.out.buf, b[:i+1]...)
	l.r += i + 1
	return true
}

// fill moves the unread bytes to the front, grows the buffer if a label
// fills it, and reads more.
func (l *localizer) fill() error {
	n := copy(l.buf, l.buf[l.r:l.w])
	l.r, l.w = 0, n
	if l.w == len(l.buf) {
		l.buf = append(l.buf, make([]byte, len(l.buf))...)
	}
	m, err := l.in.read(l.buf[l.w:])
	if err == io.EOF {
		l.eof = true
		return nil
	}
	if err != nil {
		return err
	}
	l.w += m
	return nil
}
