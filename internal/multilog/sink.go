package multilog

import (
	"bytes"

	"golang.org/x/sys/unix"
)

// Where 0.76 rotates depends on how its output was cut into write() calls:
// each directory has a 512-byte buffer, a put() longer than the free space
// flushes it and writes big pieces (up to 8192 bytes) directly, and every
// buffer is flushed before each read of stdin (1024 bytes at most). Each
// write is cut to the size limit, cut after its last newline once current
// comes within 2000 bytes of the limit, and a write ending in a newline
// past that mark ends the file.
//
// sink keeps 0.76's bookkeeping (where its writes would begin and end) but
// holds the bytes in one large buffer that goes to the file in a few big
// write() calls: at every rotation, before every read of stdin, and when
// the buffer grows large. The files are therefore cut at the very same
// places, with a fraction of the system calls.
const (
	lineMax   = 1000 // 0.76's line buffer: matching, e and = see this much
	readUnit  = 1024 // 0.76's stdin buffer: its flush points recur this often
	bufUnit   = 512  // 0.76's per-directory output buffer
	directMax = 8192 // BUFFER_OUTSIZE: largest direct write of a long put
	cutZone   = 2000 // files end at a newline within this many bytes of the limit
	drainAt   = 128 << 10
)

// sink is the output side of a logDir.
type sink struct {
	out     []byte // bytes not yet written to current
	written int    // out[:written] is in the file already
	vstart  int    // out[vstart:] is what 0.76's 512-byte buffer would hold
}

// put models buffer_put of the last n bytes appended to out.
func (d *logDir) put(n int) {
	held := len(d.out) - n - d.vstart
	if n <= bufUnit-held {
		return
	}
	if held > 0 {
		d.chunk(d.vstart, held)
	}
	pos := d.vstart + held
	for n > bufUnit {
		w := min(directMax, n)
		d.chunk(pos, w)
		pos += w
		n -= w
	}
	d.vstart = pos
}

// stream models buffer_PUTC of each byte appended since the last call:
// the buffer is flushed whenever a byte arrives and it is full.
func (d *logDir) stream() {
	for len(d.out)-d.vstart > bufUnit {
		d.chunk(d.vstart, bufUnit)
		d.vstart += bufUnit
	}
}

// flush models buffer_flush.
func (d *logDir) flush() {
	if n := len(d.out) - d.vstart; n > 0 {
		d.chunk(d.vstart, n)
		d.vstart = len(d.out)
	}
}

// chunk models one write() of out[pos:pos+n] through 0.76's c_write, which
// may take several calls, each deciding whether current is full.
func (d *logDir) chunk(pos, n int) {
	limit := d.Size
	for n > 0 {
		if d.used >= limit {
			d.rotateAt(pos)
		}
		w := n
		if uint64(w) >= limit-d.used {
			w = int(limit - d.used)
		}
		if d.used+uint64(w) >= limit-cutZone {
			if k := bytes.LastIndexByte(d.out[pos:pos+w], '\n'); k >= 0 {
				w = k + 1
			}
		}
		d.used += uint64(w)
		pos += w
		n -= w
		if d.used >= limit-cutZone && d.out[pos-1] == '\n' {
			d.rotateAt(pos)
		}
	}
}

// rotateAt writes out up to pos into current and rotates.
func (d *logDir) rotateAt(pos int) {
	d.writeOut(pos)
	d.rotate()
}

// writeOut writes out[written:pos] to current, pausing and retrying on
// every error: nothing is dropped and nothing more is read meanwhile.
func (d *logDir) writeOut(pos int) {
	if d.skip > 0 && d.written < pos {
		// Written by a multilog that was killed before consuming its input.
		k := min(uint64(pos-d.written), d.skip)
		d.written += int(k)
		d.skip -= k
	}
	for d.written < pos {
		w, err := unix.Write(d.cur, d.out[d.written:pos])
		if w > 0 {
			d.written += w
			d.size += uint64(w)
			continue
		}
		if err == unix.EINTR {
			continue
		}
		d.p.pause(err, "unable to write to ", d.Name, "/current, pausing")
	}
}

// drain writes everything 0.76 would have written by now and forgets it,
// keeping only the bytes of its 512-byte buffer.
func (d *logDir) drain() {
	d.writeOut(d.vstart)
	kept := copy(d.out, d.out[d.vstart:])
	d.out = d.out[:kept]
	d.written, d.vstart = 0, 0
}
