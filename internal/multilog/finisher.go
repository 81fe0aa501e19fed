package multilog

import (
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/tai64"
)

// At each rotation 0.76 fsyncs current and only then renames it and opens
// the new current, so that reading stops for the whole fsync, which is most
// of multilog's time with the default 99999-byte files. Ours, for a
// directory without a processor, renames a full current at once to
// @TAI64N.u, opens the new current and goes on, while a goroutine fsyncs
// the old file, sets its mode 0744 and renames it to @TAI64N.s (same
// label), then prunes. Up to maxInFlight rotated files are synced at once,
// so that the file system can commit them together.
//
// Every .s file is on disk before it gets its name, as in 0.76. A .u name
// means what it means in 0.76, a file not known to be complete on disk: a
// multilog that dies with rotated files not yet synced leaves them as .u
// files, which is what 0.76's start-up makes of an unfinished current.
// Labels are taken at rotation, in order, and never repeat, so the names
// sort in the order of their contents whichever sync ends first.
//
// A rotation waits while maxInFlight files are in flight, or while those
// and it would hold more than maxInFlightBytes (one file alone always
// goes). Exit, and any read of stdin while a background step is retrying a
// failure (0.76 reads nothing while it retries), wait for all of them.
type finisher struct {
	flight []*rotated // oldest first
	last   tai64.N    // label of the latest rotation
	mu     sync.Mutex // serialises the renames and pruning of the goroutines
}

// How many rotated files of one directory may be syncing at once: up to
// four (enough to keep a disk's queue busy), and a second or later one only
// while all of them hold no more than 1 MiB. The bytes not yet on disk when
// the power fails are then at most what 0.76 risks (current) plus the
// larger of 1 MiB and one file: with big files (s16777215) one file is
// synced at a time, as before.
const (
	maxInFlight      = 4
	maxInFlightBytes = 1 << 20
)

// rotated is one file being finished in the background.
type rotated struct {
	size    uint64        // its length
	done    chan struct{} // closed when the file is finished
	retried atomic.Bool   // a step failed and is being retried
}

// nextLabel is the label of a rotation now: later than every earlier one of
// the directory, even if the clock stood still or went back.
func (d *logDir) nextLabel() tai64.N {
	n := tai64.Now()
	if l := d.bg.last; n.Sec < l.Sec || n.Sec == l.Sec && n.Nano <= l.Nano {
		n = l
		if n.Nano++; n.Nano >= 1e9 {
			n.Sec, n.Nano = n.Sec+1, 0
		}
	}
	d.bg.last = n
	return n
}

// finishLater hands the rotated file, renamed to @LABEL.u and still open as
// fd, to the background.
func (d *logDir) finishLater(fd int, label []byte, size uint64) {
	r := &rotated{size: size, done: make(chan struct{})}
	d.bg.flight = append(d.bg.flight, r)
	unfinished := string(append(label, ".u"...))
	finished := string(append(label, ".s"...))
	go func() {
		defer close(r.done)
		p := d.p.watched(&r.retried)
		p.retry(func() error { return retryEINTR(func() error { return unix.Fsync(fd) }) },
			"unable to write ", d.Name, "/", unfinished, " to disk, pausing")
		p.retry(func() error { return unix.Fchmod(fd, 0o744) }, "unable to set mode of ", d.Name, "/", unfinished, ", pausing")
		unix.Close(fd)
		d.bg.mu.Lock()
		defer d.bg.mu.Unlock()
		p.retry(func() error {
			err := unix.Renameat(d.fd, unfinished, d.fd, finished)
			if err == syscall.ENOENT {
				return nil // pruned meanwhile, as 0.76 would have pruned it
			}
			return err
		}, "unable to rename ", unfinished, " to ", finished, " in directory ", d.Name, ", pausing")
		for !d.prune(p) {
		}
	}()
}

// waitSlot waits until a rotation of size bytes may go to the background
// (see maxInFlight).
func (d *logDir) waitSlot(size uint64) {
	for len(d.bg.flight) > 0 {
		total := size
		for _, r := range d.bg.flight {
			total += r.size
		}
		if len(d.bg.flight) < maxInFlight && total <= maxInFlightBytes {
			return
		}
		<-d.bg.flight[0].done
		d.bg.flight = d.bg.flight[1:]
	}
}

// waitFinished waits until no rotation of d is in the background.
func (d *logDir) waitFinished() {
	for _, r := range d.bg.flight {
		<-r.done
	}
	d.bg.flight = d.bg.flight[:0]
}

// troubled waits for the background rotations if one of them is retrying
// a failed step.
func (d *logDir) troubled() {
	for _, r := range d.bg.flight {
		if r.retried.Load() {
			d.waitFinished()
			return
		}
	}
}
