// Package control owns the client side of supervise's supervise/ directory
// protocol as svc, svok and svstat speak it in daemontools 0.76: commands
// are bytes written to the control FIFO, "is supervise running" is whether
// the ok FIFO has a reader, and the state is the status record (decoded by
// internal/svstatus, never here). Every function works on the current
// directory, because 0.76 chdirs into each service directory in turn and
// comes back with fchdir; Origin does the coming back.
package control

import (
	"errors"
	"syscall"

	"github.com/daemontools-go/daemontools/internal/rawsys"
	"github.com/daemontools-go/daemontools/internal/svstatus"
)

// ErrNotRunning means a FIFO exists but nobody reads it: open for writing
// gave ENXIO, so no supervise holds this directory.
var ErrNotRunning = errors.New("supervise not running")

// opError is a failed call and what it was made on ("chdir DIR: ERR"),
// as fmt.Errorf words it, without fmt, which brings in package os: svok
// and svstat leave os out (see internal/osfree).
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }

func (e *opError) Unwrap() error { return e.err }

func wrap(op string, err error) error { return &opError{op, err} }

// Origin is the working directory a program started in, kept open so that
// it can return there after each service directory.
type Origin struct{ fd int }

// OpenOrigin opens "." for reading, as 0.76's open_read(".") does.
func OpenOrigin() (*Origin, error) {
	fd, err := rawsys.Open(".", syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC)
	if err != nil {
		return nil, wrap("open .", err)
	}
	return &Origin{fd: fd}, nil
}

// Return changes back to the original directory.
func (o *Origin) Return() error {
	if err := rawsys.Fchdir(o.fd); err != nil {
		return wrap("fchdir", err)
	}
	return nil
}

// Close releases the descriptor.
func (o *Origin) Close() error { return rawsys.Close(o.fd) }

// Enter changes into a service directory.
func Enter(dir string) error {
	if err := rawsys.Chdir(dir); err != nil {
		return wrap("chdir "+dir, err)
	}
	return nil
}

// openWriter opens a FIFO write-only without blocking, so that a FIFO with
// no reader fails at once with ErrNotRunning instead of hanging.
func openWriter(path string) (int, error) {
	fd, err := rawsys.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC)
	if err == syscall.ENXIO {
		return -1, ErrNotRunning
	}
	if err != nil {
		return -1, wrap("open "+path, err)
	}
	return fd, nil
}

// Conn is an open supervise/control FIFO.
type Conn struct{ fd int }

// Dial opens supervise/control in the current directory. It fails with
// ErrNotRunning when supervise is not reading it.
func Dial() (*Conn, error) {
	fd, err := openWriter(svstatus.Control)
	if err != nil {
		return nil, err
	}
	// Blocking from here on: a full FIFO (supervise busy in its one-second
	// sleep after a start) makes the write wait rather than fail.
	if err := syscall.SetNonblock(fd, false); err != nil {
		syscall.Close(fd)
		return nil, wrap("fcntl "+svstatus.Control, err)
	}
	return &Conn{fd: fd}, nil
}

// Send writes all the command bytes in one write, so that supervise sees
// them together and in order.
func (c *Conn) Send(cmds []byte) error {
	for len(cmds) > 0 {
		n, err := syscall.Write(c.fd, cmds)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return wrap("write "+svstatus.Control, err)
		}
		cmds = cmds[n:]
	}
	return nil
}

// Close closes the FIFO.
func (c *Conn) Close() error { return syscall.Close(c.fd) }

// Running probes supervise/ok in the current directory: nil when a
// supervise holds it open, ErrNotRunning when nobody does, and the open
// error otherwise (a missing FIFO gives ENOENT).
func Running() error {
	fd, err := openWriter(svstatus.OK)
	if err != nil {
		return err
	}
	rawsys.Close(fd)
	return nil
}

// Stage tells svstat which step of reading the status failed.
type Stage int

// The steps of ReadStatus.
const (
	StageOpen Stage = iota
	StageRead
)

// StatusError is a failure to open or read supervise/status.
type StatusError struct {
	Stage Stage
	Err   error // svstatus.ErrBadFormat for a record shorter than 18 bytes
}

func (e *StatusError) Error() string {
	op := "open"
	if e.Stage == StageRead {
		op = "read"
	}
	return op + " " + svstatus.Status + ": " + e.Err.Error()
}

func (e *StatusError) Unwrap() error { return e.Err }

// ReadStatus reads supervise/status in the current directory with one
// read of up to 18 bytes, as 0.76 does, and decodes it.
func ReadStatus() (svstatus.Record, error) {
	fd, err := rawsys.Open(svstatus.Status, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC)
	if err != nil {
		return svstatus.Record{}, &StatusError{StageOpen, err}
	}
	defer rawsys.Close(fd)
	var buf [svstatus.Size]byte
	n, err := readOnce(fd, buf[:])
	if err != nil {
		return svstatus.Record{}, &StatusError{StageRead, err}
	}
	rec, err := svstatus.Decode(buf[:n])
	if err != nil {
		return svstatus.Record{}, &StatusError{StageRead, err}
	}
	return rec, nil
}

func readOnce(fd int, b []byte) (int, error) {
	for {
		n, err := rawsys.Read(fd, b)
		if err == syscall.EINTR {
			continue
		}
		return n, err
	}
}
