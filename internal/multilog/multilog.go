// Package multilog is daemontools 0.76's multilog: it parses the script
// (script.go), matches patterns (match.go), and is the one package that
// knows a log directory's layout (logdir.go, processor.go); sink.go keeps
// 0.76's exact rotation points while writing in large pieces. From a pipe
// it peeks (pipe.go) and takes input out only once written, with a journal
// per directory (journal.go), so that SIGKILL loses and repeats nothing.
package multilog

import (
	"bytes"
	"cmp"
	"os"
	"runtime/debug"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/rlimit"
	"github.com/daemontools-go/daemontools/internal/tai64"
)

const readSize = 128 * readUnit // a multiple of readUnit, so 0.76's read boundaries fall inside reads

// Main runs multilog with the script args, reading stdin. It returns the
// exit code: 0 at EOF or after SIGTERM, 111 on a fatal start-up error.
func Main(args []string, stdin, stderr *os.File) int {
	unix.Umask(0o22)
	if n, ok := rlimit.MemoryBound(); ok {
		// A memory limit meant for multilog (softlimit -m before it in
		// the log's run script) bounds its heap: see multilog(8), BUGS.
		debug.SetMemoryLimit(n)
	}
	p := &pauser{stderr: stderr, delay: retryDelay()}
	startDir, err := openRead(".")
	if err != nil {
		return p.fatal(err, "unable to switch to current directory")
	}
	sig, err := newSignals()
	if err != nil {
		return p.fatal(err, "out of memory")
	}
	m := &run{script: Parse(args), p: p, pipe: newPeeker(int(stdin.Fd()))}
	if code, ok := m.open(startDir); !ok {
		return code
	}
	in := &input{fd: int(stdin.Fd()), sig: sig, atNewline: true, beforeRead: m.writeAll, rotateAll: m.rotateAll, pipe: m.pipe}
	buf := make([]byte, readSize)
	m.consumeDone(buf)
	for {
		start, end := in.read(buf)
		if in.direct {
			if end == 0 {
				break
			}
			m.feed(buf[start:end])
			continue
		}
		if end == start { // EOF, perhaps after a partial line still in the pipe
			m.begin()
			m.finishLine()
			m.writeAll()
			m.commit(buf, end)
			break
		}
		m.begin()
		m.feed(buf[start:end])
		m.writeAll()
		m.commit(buf, end)
	}
	m.finishLine()
	m.writeAll()
	for _, d := range m.dirs {
		d.close()
	}
	return 0
}

// run is one multilog process: the script, its files, and the line being read.
type run struct {
	script      *Script
	p           *pauser
	pipe        *peeker // nil: stdin is not a pipe
	scriptSum   uint64  // for the journal
	dirs        []*logDir
	status      []*statusFile // by action index; nil for other actions
	statusSeq   uint64        // changes to status files so far
	dirtyStatus []*statusFile
	alerts      []byte

	state   int // where the current line is: idle, head, tail
	line    [lineMax]byte
	linelen int
}

// The parts of a line: 0.76 collects its first 1000 bytes (the head,
// timestamp included) for matching, then streams the rest (the tail) to
// the directories selected by the head.
const (
	idle = iota
	head
	tail
)

// open is 0.76's f_init and c_init: status files first, then directories.
func (m *run) open(startDir int) (int, bool) {
	m.status = make([]*statusFile, len(m.script.Actions))
	for i, a := range m.script.Actions {
		if a.Kind != Status {
			continue
		}
		if err := unix.Fchdir(startDir); err != nil {
			return m.p.fatal(err, "unable to switch to starting directory"), false
		}
		s, code := openStatus(m.p, a.Arg)
		if s == nil {
			return code, false
		}
		m.status[i] = s
	}
	for _, spec := range m.script.Dirs {
		d := &logDir{DirSpec: spec, p: m.p}
		d.jfd = -1
		if code, ok := d.open(startDir, m.pipe, m.outputSum(len(m.dirs))); !ok {
			return code, false
		}
		m.dirs = append(m.dirs, d)
	}
	return 0, true
}

// feed handles one read of stdin. 0.76 read at most 1024 bytes at a time
// and flushed its directory buffers before each read; nextB tracks where
// those flushes would have come inside this larger read.
func (m *run) feed(buf []byte) {
	nextB := readUnit
	for i := 0; i < len(buf); {
		if m.state == tail {
			i, nextB = m.feedTail(buf, i, nextB)
			continue
		}
		if m.state == idle {
			m.state = head
			if m.script.Timestamp {
				tai64.Now().AppendLabel(m.line[:0])
				m.line[tai64.LabelLen] = ' '
				m.linelen = tai64.LabelLen + 1
			}
		}
		room := lineMax - m.linelen
		end := min(len(buf), i+room)
		win := buf[i:end]
		j := bytes.IndexByte(win, '\n')
		consumed := end
		if j >= 0 {
			consumed = i + j + 1
			win = win[:j]
		}
		// A flush point inside the head: nothing of this line is out yet.
		if nextB < consumed {
			m.flushAll()
			for nextB < consumed {
				nextB += readUnit
			}
		}
		i = consumed
		switch {
		case j >= 0:
			if m.linelen == 0 {
				m.emit(win, true) // the whole line is in buf: no copy
			} else {
				m.linelen += copy(m.line[m.linelen:], win)
				m.emit(m.line[:m.linelen], true)
			}
			m.state, m.linelen = idle, 0
		case len(win) == room:
			m.linelen += copy(m.line[m.linelen:], win)
			m.emit(m.line[:m.linelen], false)
			m.state = tail
		default:
			m.linelen += copy(m.line[m.linelen:], win)
		}
	}
}

// feedTail streams the rest of a long line, from buf[i:], to the
// directories its head selected, flushing where 0.76 would have.
func (m *run) feedTail(buf []byte, i, nextB int) (int, int) {
	stop := len(buf)
	j := bytes.IndexByte(buf[i:], '\n')
	if j >= 0 {
		stop = i + j
	}
	for i < stop {
		seg := min(stop, nextB)
		if i < seg {
			m.streamTail(buf[i:seg])
			i = seg
		}
		if i == nextB && i < stop {
			m.flushAll()
			nextB += readUnit
		}
	}
	if j < 0 {
		return i, nextB
	}
	if nextB == stop {
		m.flushAll()
		nextB += readUnit
	}
	m.endTail()
	m.state, m.linelen = idle, 0
	return stop + 1, nextB
}

// finishLine ends a last line that had no newline: one is added.
func (m *run) finishLine() {
	switch m.state {
	case head:
		m.emit(m.line[:m.linelen], true)
	case tail:
		m.endTail()
	}
	m.state, m.linelen = idle, 0
}

// emit runs the script on a line's head and passes it to the selected
// directories; complete says the line ends here.
func (m *run) emit(line []byte, complete bool) {
	selected := true
	for i := range m.script.Actions {
		a := &m.script.Actions[i]
		switch a.Kind {
		case Select:
			if !selected && a.Pattern.Match(line) {
				selected = true
			}
		case Deselect:
			if selected && a.Pattern.Match(line) {
				selected = false
			}
		case Alert:
			if selected {
				m.alert(line)
			}
		case Status:
			if selected {
				m.statusSeq++
				m.status[i].set(line, m.statusSeq)
			}
		case Dir:
			m.dirs[a.Dir].selected = selected
		}
	}
	for _, d := range m.dirs {
		if !d.selected {
			continue
		}
		d.out = append(d.out, line...)
		d.put(len(line))
		if complete {
			d.out = append(d.out, '\n')
			d.stream()
		}
		if len(d.out) >= drainAt {
			d.drain()
		}
	}
}

func (m *run) streamTail(b []byte) {
	for _, d := range m.dirs {
		if d.selected {
			d.out = append(d.out, b...)
			d.stream()
			if len(d.out) >= drainAt {
				d.drain()
			}
		}
	}
}

func (m *run) endTail() {
	for _, d := range m.dirs {
		if d.selected {
			d.out = append(d.out, '\n')
			d.stream()
		}
	}
}

// alert is the e action: the line on stderr, cut at 200 bytes with "...".
func (m *run) alert(line []byte) {
	b := m.alerts[:0]
	if len(line) > 200 {
		b = append(append(b, line[:200]...), "...\n"...)
	} else {
		b = append(append(b, line...), '\n')
	}
	m.alerts = b
	m.p.stderr.Write(b)
}

// flushAll is what 0.76 does before every read: every buffer goes out.
func (m *run) flushAll() {
	for _, d := range m.dirs {
		d.flush()
	}
}

// writeAll puts everything pending into the files (a real read is next).
func (m *run) writeAll() {
	m.flushStatus()
	for _, d := range m.dirs {
		d.troubled()
		d.flush()
		d.drain()
	}
}

// flushStatus writes every changed =file, oldest change first.
func (m *run) flushStatus() {
	dirty := m.dirtyStatus[:0]
	for _, s := range m.status {
		if s != nil && s.dirty {
			dirty = append(dirty, s)
		}
	}
	slices.SortFunc(dirty, func(a, b *statusFile) int { return cmp.Compare(a.seq, b.seq) })
	for _, s := range dirty {
		s.flush(m.p)
	}
	m.dirtyStatus = dirty[:0]
}

// rotateAll is SIGALRM: every current that is not empty is rotated.
func (m *run) rotateAll() {
	for _, d := range m.dirs {
		if d.used > 0 {
			d.rotate()
		}
	}
}
