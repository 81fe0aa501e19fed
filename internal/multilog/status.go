package multilog

import "golang.org/x/sys/unix"

// statusFile is an =FILE action: each selected line overwrites the start
// of FILE with exactly 1001 bytes, the line (at most 1000 bytes) padded
// with newlines. The file is never truncated.
//
// 0.76 writes the file for every selected line. Ours keeps the latest one
// and writes it before each read of stdin (and at exit), where the
// directories' output is written too: the file says the same once a read's
// worth of input is handled, with one write instead of one per line (a
// third of multilog's system time for the HOW-TO's qmail-send script).
// Files are written in the order of their last change (seq), so that a
// file named by two actions ends with the line 0.76 wrote last.
type statusFile struct {
	name  string
	fd    int
	buf   [lineMax + 1]byte
	used  int    // buf[:used] may hold bytes other than '\n'
	dirty bool   // buf is newer than the file
	seq   uint64 // when buf last changed
}

// openStatus is 0.76's f_init for one file: create it (append, 0600),
// then open it for writing. It returns the exit code on failure.
func openStatus(p *pauser, name string) (*statusFile, int) {
	fd, err := openAppend(name)
	if err != nil {
		return nil, p.fatal(err, "unable to create ", name)
	}
	unix.Close(fd)
	if fd, err = openWrite(name); err != nil {
		return nil, p.fatal(err, "unable to write ", name)
	}
	s := &statusFile{name: name, fd: fd}
	for i := range s.buf {
		s.buf[i] = '\n'
	}
	return s, 0
}

// set makes line the file's next contents; seq orders the changes.
func (s *statusFile) set(line []byte, seq uint64) {
	s.seq = seq
	n := copy(s.buf[:lineMax], line)
	for i := n; i < s.used; i++ {
		s.buf[i] = '\n'
	}
	s.used = n
	s.dirty = true
}

// flush writes the latest contents, if newer than the file's, retrying on
// failure with 0.76's warnings.
func (s *statusFile) flush(p *pauser) {
	if !s.dirty {
		return
	}
	s.dirty = false
	for {
		// One pwrite at offset 0 does what 0.76's lseek and write do; an
		// unseekable file fails it with ESPIPE, where 0.76's lseek failed.
		w, err := unix.Pwrite(s.fd, s.buf[:], 0)
		switch {
		case w == len(s.buf):
			return
		case err == unix.ESPIPE:
			p.pause(err, "unable to move to beginning of ", s.name, ", pausing")
		default:
			p.pause(err, "unable to write ", s.name, ", pausing")
		}
	}
}
