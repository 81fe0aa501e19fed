package multilog

import (
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// At each rotation 0.76 fsyncs current and only then renames it and opens
// the new current, so that reading stops for the whole fsync, which is most
// of multilog's time with the default 99999-byte files. Ours, for a
// directory without a processor, renames current to previous at once, opens
// the new current and goes on, while a goroutine fsyncs previous, sets its
// mode 0744 and finishes it as @TAI64N.s (with pruning). Every .s file is
// on disk before it gets its name, as in 0.76; and a previous left by a
// crash becomes a .u file at the next start (0.76's own rule for it).
//
// One rotation at a time per directory: the next one, exit, and any read
// of stdin while the goroutine is retrying a failed step (0.76 reads
// nothing while it retries) wait for it to be done.
type finisher struct {
	done    chan struct{} // closed when the rotation in the background is done; nil if none
	retried atomic.Bool   // the background step failed and is being retried
}

// finishLater hands the renamed previous (its descriptor fd, still open)
// to the background.
func (d *logDir) finishLater(fd int) {
	done := make(chan struct{})
	d.bg.done = done
	go func() {
		defer close(done)
		p := d.p.watched(&d.bg.retried)
		p.retry(func() error { return retryEINTR(func() error { return unix.Fsync(fd) }) },
			"unable to write ", d.Name, "/previous to disk, pausing")
		p.retry(func() error { return unix.Fchmod(fd, 0o744) }, "unable to set mode of ", d.Name, "/previous, pausing")
		unix.Close(fd)
		d.finishWith(p, "previous", 's')
	}()
}

// waitFinished waits until no rotation of d is in the background.
func (d *logDir) waitFinished() {
	if d.bg.done != nil {
		<-d.bg.done
		d.bg.done = nil
		d.bg.retried.Store(false)
	}
}

// troubled waits for a background rotation that is retrying a failed step.
func (d *logDir) troubled() {
	if d.bg.retried.Load() {
		d.waitFinished()
	}
}
