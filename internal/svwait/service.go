package svwait

import (
	"os"
	"path/filepath"

	"github.com/daemontools-go/daemontools/internal/svstate"
	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/tai64"
)

// A view is what a service's supervise/ directory says at one moment.
type view struct {
	holder int // pid of the supervise holding supervise/lock; 0: none runs
	// status is 0.76's record (known: it could be read), kept by both
	// supervises; state is ours (ext: it could be read and, when a
	// supervise runs, that supervise wrote it).
	known  bool
	status svstatus.Record
	ext    bool
	state  svstate.State
}

// read fills v from dir's files for the given lock holder. A state file
// left by another supervise (ours, before the C one took over) is
// ignored: its supervisor= is not the holder.
func read(dir string, holder int) view {
	v := view{holder: holder}
	if b, err := os.ReadFile(filepath.Join(dir, svstatus.Status)); err == nil {
		if r, err := svstatus.Decode(b); err == nil {
			v.known, v.status = true, r
		}
	}
	if st, err := svstate.Read(dir); err == nil && (holder == 0 || st.Supervisor == holder) {
		v.ext, v.state = true, st
	}
	return v
}

// up: ./run is running (for our supervise, not while ./finish runs,
// which 0.76's status already shows as down).
func (v *view) up() bool {
	if v.ext {
		return v.state.State == svstate.Up
	}
	return v.status.PID != 0
}

// ready: up and, with notification-fd, ready; the C supervise knows no
// readiness, so there up is ready.
func (v *view) ready() bool {
	if v.ext {
		return v.state.IsReady()
	}
	return v.up()
}

// finished: down with ./finish done; the C supervise has no ./finish.
func (v *view) finished() bool {
	if v.ext {
		return v.state.State == svstate.Down
	}
	return !v.up()
}

// A baseline is what a service looked like when the wait began, for -r
// and -R: a start after it is one that the counter (ours) or the pid and
// its time stamp (0.76's status) show.
type baseline struct {
	holder int
	ext    bool
	starts uint64
	pid    int
	when   tai64.N
}

func baselineOf(v view) baseline {
	b := baseline{holder: v.holder, ext: v.ext, starts: v.state.Starts}
	if v.known {
		b.pid, b.when = v.status.PID, v.status.When
	}
	return b
}

// startedSince reports whether ./run was started after the baseline, for
// a service now up. With no supervise running at the start of the wait
// (or another one now), any start is new. Otherwise the sources are not
// mixed: our counter when both views have it; the pid when only the
// current one does (a supervise of ours caught between writing status and
// state at its start); 0.76's stamp and pid, which change at every start,
// for the C supervise.
func (v *view) startedSince(b baseline) bool {
	switch {
	case b.holder == 0 || b.holder != v.holder:
		return true
	case v.ext && b.ext:
		return v.state.Starts > b.starts
	case v.ext:
		return v.state.PID != b.pid
	}
	return v.status.When != b.when || v.status.PID != b.pid
}

// meets reports whether a service in view v is where g wants it. With no
// supervise running, only a recorded down counts (nothing runs under a
// supervise that left it down); the other goals wait for a supervise.
func (v *view) meets(g goal, b baseline) bool {
	if v.holder == 0 {
		switch g {
		case goalDown:
			return (v.known || v.ext) && !v.up()
		case goalFinished:
			return (v.known || v.ext) && v.finished()
		}
		return false
	}
	if !v.known && !v.ext {
		return false
	}
	switch g {
	case goalUp:
		return v.up()
	case goalReady:
		return v.ready()
	case goalDown:
		return !v.up()
	case goalFinished:
		return v.finished()
	case goalRestarted:
		return v.up() && v.startedSince(b)
	case goalRestartReady:
		return v.ready() && v.startedSince(b)
	}
	return false
}
