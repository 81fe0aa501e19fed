package svscan

import (
	"os"
	"strconv"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svstate"
	"github.com/daemontools-go/daemontools/internal/svstatus"
)

// Beyond 0.76: under a service manager that gave svscan a NOTIFY_SOCKET
// (systemd's Type=notify), svscan says what it supervises in STATUS=,
// which "systemctl status" shows: "12 services: 11 up, 1 down", and
// "11 up (2 not ready)" while services with notification-fd have not
// said they are ready. A service is a directory of the scan directory;
// NAME/log is part of NAME and not counted. Up and down are what
// supervise/status says (a service whose ./finish runs is down);
// readiness is supervise/state's, and a supervise that keeps no state
// (the C one) counts as ready when up.
//
// The text is sent after each scan and after each change of a status:
// svscan watches every NAME/supervise/ with inotify (NAME/ until
// supervise has made supervise/) and re-reads the one that changed. It
// sends only when the text changes. Without NOTIFY_SOCKET none of this
// exists.

// statusWatch is the inotify side of STATUS=: the watches and the
// descriptors whose directories saw a rename or a creation since the
// main loop last looked.
type statusWatch struct {
	fd      int
	changed chan struct{} // receives after each batch of events
	mu      sync.Mutex
	dirty   map[int32]bool
	byWd    map[int32]*service // the main loop's alone
	last    string             // the STATUS= text last sent
}

// serviceStatus is what STATUS= counts of one service.
type serviceStatus struct {
	wd    int32 // its watch, 0 when none
	onDir bool  // the watch is on NAME/, waiting for NAME/supervise/
	up    bool  // down when its status cannot be read
	ready bool
}

// startStatusWatch sets up STATUS= when NOTIFY_SOCKET is set. Without
// inotify it still reports after each scan.
func (s *scanner) startStatusWatch() {
	if os.Getenv("NOTIFY_SOCKET") == "" {
		return
	}
	w := &statusWatch{fd: -1, changed: make(chan struct{}, 1), dirty: map[int32]bool{}, byWd: map[int32]*service{}}
	s.status = w
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		s.warnErr(err, "unable to watch the services' status")
		return
	}
	w.fd = fd
	f := os.NewFile(uintptr(fd), "inotify")
	go func() {
		buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
		for {
			n, err := f.Read(buf)
			if err != nil {
				return
			}
			w.mu.Lock()
			for off := 0; off+unix.SizeofInotifyEvent <= n; {
				ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
				w.dirty[ev.Wd] = true
				off += unix.SizeofInotifyEvent + int(ev.Len)
			}
			w.mu.Unlock()
			select {
			case w.changed <- struct{}{}:
			default:
			}
		}
	}()
}

// statusChanged returns the channel of the watch's batches (nil, which
// never receives, without STATUS=).
func (s *scanner) statusChanged() <-chan struct{} {
	if s.status == nil {
		return nil
	}
	return s.status.changed
}

// reportAll re-reads every service's status after a scan and sends
// STATUS= if the text changed.
func (s *scanner) reportAll() {
	if s.status == nil {
		return
	}
	for _, sv := range s.services {
		if sv.active {
			s.watchStatus(sv)
			s.readStatus(sv)
		}
	}
	s.sendStatus()
}

// reportChanged re-reads the statuses whose directories saw events.
func (s *scanner) reportChanged() {
	w := s.status
	w.mu.Lock()
	dirty := w.dirty
	w.dirty = map[int32]bool{}
	w.mu.Unlock()
	for wd := range dirty {
		sv := w.byWd[wd]
		if sv == nil {
			continue
		}
		if sv.st.onDir {
			s.watchStatus(sv)
		}
		s.readStatus(sv)
	}
	s.sendStatus()
}

// watchStatus puts sv's watch on NAME/supervise/, or on NAME/ until
// supervise/ is there.
func (s *scanner) watchStatus(sv *service) {
	w := s.status
	if w.fd < 0 || (sv.st.wd != 0 && !sv.st.onDir) {
		return
	}
	wd, err := unix.InotifyAddWatch(w.fd, sv.name+"/"+svstatus.Dir, unix.IN_MOVED_TO|unix.IN_ONLYDIR)
	if err == nil {
		s.unwatchStatus(sv)
		sv.st.wd, sv.st.onDir = int32(wd), false
		w.byWd[sv.st.wd] = sv
		return
	}
	if sv.st.wd != 0 {
		return // already waiting on NAME/
	}
	wd, err = unix.InotifyAddWatch(w.fd, sv.name, unix.IN_CREATE|unix.IN_MOVED_TO|unix.IN_ONLYDIR)
	if err == nil {
		sv.st.wd, sv.st.onDir = int32(wd), true
		w.byWd[sv.st.wd] = sv
	}
}

// unwatchStatus removes sv's watch, when it is forgotten.
func (s *scanner) unwatchStatus(sv *service) {
	if s.status == nil || sv.st.wd == 0 {
		return
	}
	unix.InotifyRmWatch(s.status.fd, uint32(sv.st.wd))
	delete(s.status.byWd, sv.st.wd)
	sv.st.wd = 0
}

// readStatus reads sv's supervise/status and, for readiness,
// supervise/state.
func (s *scanner) readStatus(sv *service) {
	st := &sv.st
	st.up, st.ready = false, false
	b, err := os.ReadFile(sv.name + "/" + svstatus.Status)
	if err != nil {
		return
	}
	r, err := svstatus.Decode(b)
	if err != nil {
		return
	}
	st.up = r.PID != 0
	switch x, err := svstate.Read(sv.name); {
	case err != nil:
		st.ready = st.up // no state: the C supervise (or a torn read, soon read again)
	case x.PID == r.PID:
		st.ready = x.IsReady()
	default:
		// The state follows each status; its rename, which comes
		// next, has this read again.
	}
}

// statusText is the STATUS= text for the active services.
func (s *scanner) statusText() string {
	n, up, down, notReady := 0, 0, 0, 0
	for _, sv := range s.services {
		if !sv.active {
			continue
		}
		n++
		switch {
		case !sv.st.up:
			down++
		case !sv.st.ready:
			up++
			notReady++
		default:
			up++
		}
	}
	b := strconv.AppendInt(nil, int64(n), 10)
	if n == 1 {
		b = append(b, " service: "...)
	} else {
		b = append(b, " services: "...)
	}
	b = strconv.AppendInt(b, int64(up), 10)
	b = append(b, " up"...)
	if notReady > 0 {
		b = append(b, " ("...)
		b = strconv.AppendInt(b, int64(notReady), 10)
		b = append(b, " not ready)"...)
	}
	b = append(b, ", "...)
	b = strconv.AppendInt(b, int64(down), 10)
	b = append(b, " down"...)
	return string(b)
}

// sendStatus sends STATUS= when its text has changed.
func (s *scanner) sendStatus() {
	text := s.statusText()
	if text == s.status.last {
		return
	}
	s.status.last = text
	s.notify("STATUS=" + text)
}
