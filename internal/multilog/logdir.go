package multilog

import (
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/tai64"
)

// This file owns the layout of a log directory: lock, current, previous,
// processed, state, newstate and the @TAI64N.s / @TAI64N.u files, with
// 0.76's start-up salvage, rotation and pruning.

// The open flavours of 0.76 (see the facts sheet, 0.5), all close-on-exec.
func openAppend(name string) (int, error) {
	return unix.Open(name, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_APPEND|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
}

func openTrunc(name string) (int, error) {
	return unix.Open(name, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_TRUNC|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
}

func openRead(name string) (int, error) {
	return unix.Open(name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
}

func openWrite(name string) (int, error) {
	return unix.Open(name, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
}

// logDir is one log directory: its settings, descriptors and the bytes on
// their way to its current file (see sink.go).
type logDir struct {
	DirSpec
	p    *pauser
	fd   int    // the directory, for fchdir
	lock int    // holds the flock for our lifetime
	cur  int    // current, opened for appending
	used uint64 // bytes in current, as 0.76 counts them

	sink
	journal
	bg       finisher
	selected bool // for the line being handled
}

// open is 0.76's restart(): create, lock and salvage the directory, then
// open current. Failures are fatal at start-up; it returns the exit code.
func (d *logDir) open(startDir int, pipe *peeker, script uint64) (int, bool) {
	p := d.p
	if err := unix.Fchdir(startDir); err != nil {
		return p.fatal(err, "unable to switch to starting directory"), false
	}
	unix.Mkdir(d.Name, 0o700)
	fd, err := openRead(d.Name)
	if err == nil {
		if err = unix.Fchdir(fd); err != nil {
			unix.Close(fd)
		}
	}
	if err != nil {
		return p.fatal(err, "unable to open directory ", d.Name), false
	}
	d.fd = fd
	if d.lock, err = openAppend("lock"); err == nil {
		err = retryEINTR(func() error { return unix.Flock(d.lock, unix.LOCK_EX|unix.LOCK_NB) })
	}
	if err != nil {
		return p.fatal(err, "unable to lock directory ", d.Name), false
	}
	if pipe != nil {
		d.recover(pipe.dev, pipe.ino, script) // before the salvage: it may shorten current
	} else {
		unix.Unlink(journalName) // about a pipe we do not read
	}

	var st unix.Stat_t
	if err := unix.Stat("current", &st); err != nil {
		if err != syscall.ENOENT {
			return p.fatal(err, "unable to stat ", d.Name, "/current"), false
		}
	} else if st.Mode&0o100 != 0 {
		// Closed cleanly last time: go on appending.
		fd, err := openAppend("current")
		if err != nil {
			return p.fatal(err, "unable to append to ", d.Name, "/current"), false
		}
		if err := unix.Fchmod(fd, 0o644); err != nil {
			return p.fatal(err, "unable to set mode of ", d.Name, "/current"), false
		}
		d.cur, d.used, d.size = fd, uint64(st.Size), uint64(st.Size)
		return 0, true
	}
	if code, ok := d.salvage(); !ok {
		return code, false
	}
	fd, err = openTrunc("state")
	if err != nil {
		return p.fatal(err, "unable to write to ", d.Name, "/state"), false
	}
	unix.Close(fd)
	if d.cur, err = openAppend("current"); err != nil {
		return p.fatal(err, "unable to write to ", d.Name, "/current"), false
	}
	if err := unix.Fchmod(d.cur, 0o644); err != nil {
		return p.fatal(err, "unable to set mode of ", d.Name, "/current"), false
	}
	d.used, d.size = 0, 0
	return 0, true
}

// salvage keeps what a multilog that died left behind: a processed file
// that was finished becomes .s, otherwise previous becomes .u; current
// becomes .u.
func (d *logDir) salvage() (int, bool) {
	unix.Unlink("state")
	unix.Unlink("newstate")
	var st unix.Stat_t
	processed := false
	if err := unix.Stat("processed", &st); err != nil {
		if err != syscall.ENOENT {
			return d.p.fatal(err, "unable to stat ", d.Name, "/processed"), false
		}
	} else if st.Mode&0o100 != 0 {
		processed = true
	}
	if processed {
		unix.Unlink("previous")
		d.finish("processed", 's')
	} else {
		unix.Unlink("processed")
		d.finish("previous", 'u')
	}
	d.finish("current", 'u')
	return 0, true
}

// finish gives file its final name @TAI64N.code (unless it already has a
// second link from an interrupted finish), removes the old name and prunes.
func (d *logDir) finish(file string, code byte) {
	p := d.p
	var st unix.Stat_t
	for {
		err := unix.Fstatat(d.fd, file, &st, 0)
		if err == nil {
			break
		}
		if err == syscall.ENOENT {
			return
		}
		p.pause(err, "unable to stat ", d.Name, "/", file, ", pausing")
	}
	if st.Nlink == 1 {
		for {
			name := string(append(d.nextLabel().AppendLabel(make([]byte, 0, 27)), '.', code))
			err := unix.Linkat(d.fd, file, d.fd, name, 0)
			if err == nil {
				break
			}
			p.pause(err, "unable to link to ", d.Name, "/", name, ", pausing")
		}
	}
	p.retry(func() error { return unix.Unlinkat(d.fd, file, 0) }, "unable to remove ", d.Name, "/", file, ", pausing")
	for !d.prune(p) {
	}
}

// prune removes the oldest finished file while there are Num or more of
// them (names starting '@', at least 25 bytes; oldest = lowest first 25
// bytes). It reports whether the files fit.
func (d *logDir) prune(p *pauser) bool {
	names, err := readNames(d.fd)
	if err != nil {
		p.pause(err, "unable to read ", d.Name, ", pausing")
		return false
	}
	oldest := "@z"
	count := uint64(0)
	for _, n := range names {
		if len(n) >= tai64.LabelLen && n[0] == '@' {
			count++
			if n[:tai64.LabelLen] < oldest {
				oldest = n[:tai64.LabelLen]
			}
		}
	}
	if count < d.Num {
		return true
	}
	for _, n := range names {
		if len(n) >= tai64.LabelLen && n[0] == '@' && strings.HasPrefix(n, oldest) {
			if err := unix.Unlinkat(d.fd, n, 0); err != nil {
				// 0.76 ignores this and spins; we say so and pause.
				p.pause(err, "unable to remove ", d.Name, "/", n, ", pausing")
			}
			return false
		}
	}
	return true // nothing sorts below "@z": 0.76 would spin forever
}

// readNames lists the directory dirfd (without . and ..) with plain open
// and getdents: os.Open would also set the descriptor up for the network
// poller, a handful of system calls more at every rotation.
func readNames(dirfd int) ([]string, error) {
	fd, err := unix.Openat(dirfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var buf [8192]byte
	var names []string
	for {
		n, err := unix.ReadDirent(fd, buf[:])
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}

// rotate is 0.76's fullcurrent(): current becomes previous (fsynced, mode
// 0744), a new current is opened, and previous is finished as .s, through
// the processor if there is one. Every failing step is retried forever.
// Without a processor current becomes @TAI64N.u at once and is synced and
// finished in the background (finisher.go).
func (d *logDir) rotate() {
	p := d.p
	p.retry(func() error { return unix.Fchdir(d.fd) }, "unable to switch to ", d.Name, ", pausing")
	if !d.HasProcessor {
		size := d.size
		d.waitSlot(size)
		label := d.nextLabel().AppendLabel(make([]byte, 0, tai64.LabelLen+2))
		unfinished := string(append(label, ".u"...))
		d.rotating(false)
		p.retry(func() error { return unix.Rename("current", unfinished) },
			"unable to rename current to ", unfinished, " in directory ", d.Name, ", pausing")
		old := d.cur
		d.cur = d.create("current")
		d.used, d.size = 0, 0
		d.rotating(true)
		p.retry(func() error { return unix.Fchmod(d.cur, 0o644) }, "unable to set mode of ", d.Name, "/current, pausing")
		d.finishLater(old, label, size)
		return
	}
	d.syncFd(d.cur, "current")
	d.rotating(false)
	unix.Close(d.cur)
	p.retry(func() error { return unix.Rename("current", "previous") },
		"unable to rename current to previous in directory ", d.Name, ", pausing")
	d.cur = d.create("current")
	d.used, d.size = 0, 0
	d.rotating(true)
	p.retry(func() error { return unix.Fchmod(d.cur, 0o644) }, "unable to set mode of ", d.Name, "/current, pausing")
	p.retry(func() error { return unix.Chmod("previous", 0o744) }, "unable to set mode of ", d.Name, "/previous, pausing")
	d.process()
}

// close is 0.76's c_quit() for one directory: current is synced and marked
// finished cleanly with the owner-execute bit.
func (d *logDir) close() {
	d.waitFinished()
	d.forget()
	d.syncFd(d.cur, "current")
	d.p.retry(func() error { return unix.Fchmod(d.cur, 0o744) }, "unable to set mode of ", d.Name, "/current, pausing")
}

// create opens name for appending (creating it), retrying forever.
func (d *logDir) create(name string) int {
	var fd int
	d.p.retry(func() (err error) {
		fd, err = openAppend(name)
		return err
	}, "unable to create ", d.Name, "/", name, ", pausing")
	return fd
}

// syncFd fsyncs fd, retrying forever.
func (d *logDir) syncFd(fd int, name string) {
	d.p.retry(func() error { return retryEINTR(func() error { return unix.Fsync(fd) }) },
		"unable to write ", d.Name, "/", name, " to disk, pausing")
}
