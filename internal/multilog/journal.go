package multilog

import (
	"encoding/binary"
	"hash/crc64"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/tai64"
)

// When stdin is a pipe, multilog peeks at it (pipe.go) and takes bytes out
// of it only once their output is in the files, so that a multilog killed
// at any moment leaves every unwritten byte in the pipe for the next one.
// A byte written but not yet taken out would then be written twice; the
// journal file "pending" in each log directory prevents that. It holds one
// 72-byte record (little-endian), rewritten in place with one pwrite (no fsync: it only
// has to survive the death of the process, not of the machine):
//
//	0  "mlj1"
//	4  state: 0 closed, 1 open (writing), 2 done (written, not yet consumed)
//	8  st_dev and 16 st_ino of the stdin pipe the record is about
//	24 inode of current being written (0 while rotating)
//	32 size of that current when this transaction began writing to it
//	40 output bytes of this transaction already in other files (or skipped)
//	48 input bytes the transaction consumes, 56 CRC-64/ECMA of their first
//	   and last 4 KiB (state 2)
//	64 CRC-64/ECMA of what decides this directory's output (t and the
//	   patterns before it): a record left by a multilog whose script
//	   gave other output is ignored
//
// A transaction is the input of one peek: state 1 before its first write,
// 2 once all is written, then it is consumed and the state is 0. At start
// (before 0.76's salvage of current), a record of state 1 about the same
// pipe and output has current cut back to its size before the writes, and
// its earlier output (field 40) is skipped when the input is read again;
// state 2 has the input consumed if stdin still begins with it. The file
// is removed when multilog ends cleanly, and when stdin is not a pipe.
const journalName = "pending"

const (
	jClosed = 0
	jOpen   = 1
	jDone   = 2
	jSize   = 72
)

type journalRec struct {
	state            byte
	pipeDev, pipeIno uint64
	curIno, before   uint64
	done             uint64
	n, hash          uint64
	script           uint64
}

func (r *journalRec) encode(b *[jSize]byte) {
	*b = [jSize]byte{}
	copy(b[:4], "mlj1")
	b[4] = r.state
	for i, v := range []uint64{r.pipeDev, r.pipeIno, r.curIno, r.before, r.done, r.n, r.hash, r.script} {
		binary.LittleEndian.PutUint64(b[8+8*i:], v)
	}
}

func (r *journalRec) decode(b []byte) bool {
	if len(b) < jSize || string(b[:4]) != "mlj1" {
		return false
	}
	r.state = b[4]
	for i, v := range []*uint64{&r.pipeDev, &r.pipeIno, &r.curIno, &r.before, &r.done, &r.n, &r.hash, &r.script} {
		*v = binary.LittleEndian.Uint64(b[8+8*i:])
	}
	return true
}

var crcTable = crc64.MakeTable(crc64.ECMA)

// hashOf is the CRC-64/ECMA of b's first and last 4 KiB (all of it when
// shorter): enough to tell whether the input is still in stdin, at a
// fraction of the cost of the whole.
func hashOf(b []byte) uint64 {
	const edge = 4096
	if len(b) <= 2*edge {
		return crc64.Checksum(b, crcTable)
	}
	return crc64.Update(crc64.Checksum(b[:edge], crcTable), crcTable, b[len(b)-edge:])
}

// journal is a directory's pending file and the transaction in progress.
type journal struct {
	jfd  int // -1: stdin is not a pipe, no journal
	rec  journalRec
	size uint64 // bytes in current, as the file has them
	skip uint64 // output bytes to drop: already on disk before a kill
	jbuf [jSize]byte
}

func (d *logDir) jwrite() {
	d.rec.encode(&d.jbuf)
	d.p.retry(func() error {
		_, err := unix.Pwrite(d.jfd, d.jbuf[:], 0)
		return err
	}, "unable to write to ", d.Name, "/", journalName, ", pausing")
}

func curIno(fd int) uint64 {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return 0
	}
	return st.Ino
}

// jMissing marks a journal wanted (stdin is a pipe) but not yet on disk,
// for example because the disk was full when multilog started. The next
// transaction waits for it (begin): a byte written to current with no
// journal to say so would be written again after a kill.
const jMissing = -2

// startJournal writes the first record into a fresh pending file fd; on
// failure the file is closed and the journal stays missing.
func (d *logDir) startJournal(fd int) {
	d.rec.encode(&d.jbuf)
	if w, _ := unix.Pwrite(fd, d.jbuf[:], 0); w != jSize {
		unix.Close(fd)
		return
	}
	d.jfd = fd
}

// createJournal makes the missing pending file, with the first record.
func (d *logDir) createJournal() error {
	fd, err := unix.Openat(d.fd, journalName, unix.O_RDWR|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return err
	}
	d.rec.encode(&d.jbuf)
	w, err := unix.Pwrite(fd, d.jbuf[:], 0)
	if w != jSize {
		unix.Close(fd)
		if err == nil {
			err = unix.ENOSPC // a short write of 72 bytes: no room
		}
		return err
	}
	d.jfd = fd
	return nil
}

// begin opens a transaction: nothing of it has been written yet. Without
// its journal nothing is written: like a failed write to current, that
// pauses with a warning, reading nothing, until the journal can be made.
func (d *logDir) begin() {
	if d.jfd == jMissing {
		d.p.retry(d.createJournal, "unable to write to ", d.Name, "/", journalName, ", pausing")
	}
	if d.jfd < 0 {
		return
	}
	d.rec.state, d.rec.curIno, d.rec.before, d.rec.done = jOpen, curIno(d.cur), d.size, d.skip
	d.jwrite()
}

// rotating is called before current is renamed and rotated(true) after
// the new current exists: the bytes written so far move to "done".
func (d *logDir) rotating(after bool) {
	if d.jfd < 0 || d.rec.state != jOpen {
		return
	}
	if after {
		d.rec.curIno, d.rec.before = curIno(d.cur), 0
	} else {
		d.rec.done += d.size - d.rec.before
		d.rec.curIno, d.rec.before = 0, d.size
	}
	d.jwrite()
}

// markWritten marks every output of the transaction as on disk; n input
// bytes hashing to h are about to be consumed.
func (d *logDir) markWritten(n int, h uint64) {
	if d.jfd < 0 {
		return
	}
	d.rec.done += d.size - d.rec.before
	d.rec.state, d.rec.n, d.rec.hash = jDone, uint64(n), h
	d.jwrite()
}

func (d *logDir) closeTxn() {
	if d.jfd < 0 {
		return
	}
	d.rec.state = jClosed
	d.jwrite()
}

// recover reads the journal left by a killed multilog on this same pipe,
// before 0.76's salvage looks at current. A transaction caught writing is
// undone in current and its earlier output is skipped when the input is
// read again; a written one is left for Main to consume (consumeDone).
func (d *logDir) recover(pipeDev, pipeIno, script uint64) {
	d.jfd = jMissing
	d.rec = journalRec{pipeDev: pipeDev, pipeIno: pipeIno, script: script}
	fd, err := unix.Open(journalName, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return // begin waits for it
	}
	var old journalRec
	var b [jSize]byte
	n, _ := unix.Pread(fd, b[:], 0)
	if !old.decode(b[:n]) || old.state == jClosed || old.pipeDev != pipeDev || old.pipeIno != pipeIno || old.script != script {
		// Written once here, so that later records overwrite it in
		// place and never need space on a full disk.
		d.startJournal(fd)
		return
	}
	d.jfd = fd
	d.rec = old
	if old.state == jOpen && old.curIno != 0 {
		var st unix.Stat_t
		if unix.Stat("current", &st) == nil && st.Ino == old.curIno && uint64(st.Size) > old.before {
			unix.Truncate("current", int64(old.before))
		}
	}
	d.skip = old.done
}

// begin, commit and consumeDone act on every directory at once.
func (m *run) begin() {
	for _, d := range m.dirs {
		d.begin()
	}
}

// commit is called once the output of buf[:end] (the head of stdin)
// is written: all of it but the start of an unfinished line is marked
// written, taken out of stdin, and the journal closed.
func (m *run) commit(buf []byte, end int) {
	if m.pipe == nil {
		return
	}
	// The unfinished line's last bytes are the last ones peeked (its
	// first ones may have left stdin already, see carryMax).
	carried := min(m.pendingInput(), end)
	in := buf[:end-carried]
	h := hashOf(in)
	for _, d := range m.dirs {
		d.markWritten(len(in), h)
	}
	m.pipe.consume(len(in))
	for _, d := range m.dirs {
		d.closeTxn()
	}
	m.pipe.carried = carried
}

// pendingInput is how many bytes at the end of the input handled so far
// belong to a line not yet emitted (its start, in m.line).
func (m *run) pendingInput() int {
	if m.state != head {
		return 0
	}
	if m.script.Timestamp {
		return m.linelen - tai64.LabelLen - 1
	}
	return m.linelen
}

// consumeDone finishes a transaction whose output was all written when
// the last multilog died: its input is consumed now, if it is still at
// the head of stdin (it is not if the kill came just after consuming).
func (m *run) consumeDone(buf []byte) {
	if m.pipe == nil {
		return
	}
	var n, h uint64
	any := false
	for _, d := range m.dirs {
		switch d.rec.state {
		case jOpen:
			return // nothing was consumed: the input is replayed with skips
		case jDone:
			if any && (d.rec.n != n || d.rec.hash != h) {
				return
			}
			n, h, any = d.rec.n, d.rec.hash, true
		}
	}
	if !any {
		return
	}
	if n <= uint64(len(buf)) {
		if k := m.pipe.peek(buf[:n]); k == int(n) && hashOf(buf[:k]) == h {
			m.pipe.consume(k)
		}
	}
	for _, d := range m.dirs {
		d.skip = 0
		if d.rec.state != jClosed {
			d.closeTxn()
		}
	}
}

// outputSum fingerprints what decides the output of directory i: the
// timestamps and the patterns that come before it.
func (m *run) outputSum(i int) uint64 {
	b := []byte{'t', 0}
	if m.script.Timestamp {
		b[1] = 1
	}
	for _, a := range m.script.Actions {
		if a.Kind == Dir && a.Dir == i {
			break
		}
		if a.Kind == Select || a.Kind == Deselect {
			b = append(append(append(b, byte(a.Kind)), a.Arg...), 0)
		}
	}
	return hashOf(b)
}

// forget removes the journal when multilog ends cleanly: everything read
// is written, and the directory looks as 0.76 leaves it.
func (d *logDir) forget() {
	if d.jfd == jMissing {
		unix.Unlinkat(d.fd, journalName, 0) // an empty one a full disk left
	}
	if d.jfd >= 0 {
		unix.Unlinkat(d.fd, journalName, 0)
		unix.Close(d.jfd)
		d.jfd = -1
	}
}
