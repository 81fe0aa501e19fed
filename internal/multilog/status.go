package multilog

import "golang.org/x/sys/unix"

// statusFile is an =FILE action: each selected line overwrites the start
// of FILE with exactly 1001 bytes, the line (at most 1000 bytes) padded
// with newlines. The file is never truncated.
type statusFile struct {
	name string
	fd   int
	buf  [lineMax + 1]byte
	used int // buf[:used] may hold bytes other than '\n'
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

func (s *statusFile) write(p *pauser, line []byte) {
	n := copy(s.buf[:lineMax], line)
	for i := n; i < s.used; i++ {
		s.buf[i] = '\n'
	}
	s.used = n
	for {
		for {
			_, err := unix.Seek(s.fd, 0, 0)
			if err == nil {
				break
			}
			p.pause(err, "unable to move to beginning of ", s.name, ", pausing")
		}
		w, err := unix.Write(s.fd, s.buf[:])
		if w == len(s.buf) {
			return
		}
		p.pause(err, "unable to write ", s.name, ", pausing")
	}
}
