package svwait

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/svstatus"
)

// Inotify masks. In a service directory: supervise/ appearing (mkdir, or
// a symlink or directory renamed into place). In supervise/: a file
// renamed into place (status and state are written to *.new, then
// renamed). IN_IGNORED comes unasked when a watched directory goes.
const (
	dirMask = unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_ONLYDIR
	supMask = unix.IN_MOVED_TO | unix.IN_ONLYDIR
)

var errTimeout = errors.New("timed out")

// dirError names the service directory an error is about.
type dirError struct {
	dir string
	err error
}

func (e *dirError) Error() string { return e.dir + ": " + e.err.Error() }
func (e *dirError) Unwrap() error { return e.err }

func errDir(err error) string {
	var de *dirError
	if errors.As(err, &de) {
		return de.dir
	}
	return "services"
}

// A service is one directory being waited on.
type service struct {
	dir          string
	dirWD, supWD int // inotify watches; -1 when none
	pidfd        int // the running supervise's pidfd; -1 when none
	holder       int
	base         baseline
	now          view
	dirty        bool // re-read at the next turn
	gone         bool // its supervise died while waited on: counts as reached
}

type watcher struct {
	ino      int
	services []*service
	byDirWD  map[int][]*service
	bySupWD  map[int][]*service
}

// newWatcher sets up the watches before anything is read, so that no
// change after the first reading can be missed.
func newWatcher(dirs []string) (*watcher, error) {
	ino, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, &dirError{"services", fmt.Errorf("inotify_init1: %w", err)}
	}
	w := &watcher{ino: ino, byDirWD: map[int][]*service{}, bySupWD: map[int][]*service{}}
	for _, dir := range dirs {
		s := &service{dir: dir, dirWD: -1, supWD: -1, pidfd: -1}
		w.services = append(w.services, s)
		wd, err := unix.InotifyAddWatch(ino, dir, dirMask)
		if err != nil {
			w.close()
			return nil, &dirError{dir, err}
		}
		s.dirWD = wd
		w.byDirWD[wd] = append(w.byDirWD[wd], s)
		if err := w.watchSupervise(s); err != nil {
			w.close()
			return nil, err
		}
	}
	return w, nil
}

// watchSupervise adds the watch on dir/supervise when it exists.
func (w *watcher) watchSupervise(s *service) error {
	if s.supWD >= 0 {
		return nil
	}
	wd, err := unix.InotifyAddWatch(w.ino, filepath.Join(s.dir, svstatus.Dir), supMask)
	switch err {
	case nil:
	case unix.ENOENT, unix.ENOTDIR:
		return nil
	default:
		return &dirError{s.dir, err}
	}
	s.supWD = wd
	w.bySupWD[wd] = append(w.bySupWD[wd], s)
	return nil
}

func (w *watcher) close() {
	w.closePidfds()
	unix.Close(w.ino)
}

// closeForExit is close for a process about to exit: the inotify
// descriptor's last close is left to a child (closeInBackground).
func (w *watcher) closeForExit() {
	w.closePidfds()
	closeInBackground(w.ino)
}

func (w *watcher) closePidfds() {
	for _, s := range w.services {
		if s.pidfd >= 0 {
			unix.Close(s.pidfd)
		}
	}
}

// refresh reads a service again. When no supervise is known to run, it
// looks for the lock's holder and takes a pidfd on it, then checks that
// the same pid still holds the lock (so the pidfd is not a recycled pid's).
func (w *watcher) refresh(s *service) error {
	if s.pidfd < 0 && !s.gone {
		lock := filepath.Join(s.dir, svstatus.Lock)
		// A few tries: each failed one means the holder just changed.
		for try := 0; try < 5; try++ {
			pid, err := svstatus.LockHolder(lock)
			if err != nil || pid == 0 {
				if err != nil {
					return &dirError{s.dir, err}
				}
				break
			}
			fd, err := unix.PidfdOpen(pid, 0)
			if err == unix.ESRCH {
				continue // it died between the two: look again
			}
			if err != nil {
				return &dirError{s.dir, fmt.Errorf("pidfd_open: %w", err)}
			}
			if again, err := svstatus.LockHolder(lock); err != nil || again != pid {
				unix.Close(fd)
				if err != nil {
					return &dirError{s.dir, err}
				}
				continue
			}
			s.pidfd, s.holder = fd, pid
			break
		}
	}
	s.now = read(s.dir, s.holder)
	s.dirty = false
	return nil
}

// reached reports whether the wait is over: every service (or, with -o,
// one) meets the goal or lost its supervise.
func (w *watcher) reached(opt options) bool {
	for _, s := range w.services {
		ok := s.gone || s.now.meets(opt.goal, s.base)
		if ok && opt.any {
			return true
		}
		if !ok && !opt.any {
			return false
		}
	}
	return !opt.any
}

// wait returns the number of services whose supervise died while they
// were waited on without having met the goal, errTimeout at the deadline
// (zero: none), or a system error.
func (w *watcher) wait(opt options, deadline time.Time, stderr io.Writer) (int, error) {
	for _, s := range w.services {
		if err := w.refresh(s); err != nil {
			return 0, err
		}
		s.base = baselineOf(s.now)
	}
	died := 0
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	var fds []unix.PollFd
	var owners []*service
	for !w.reached(opt) {
		fds, owners = append(fds[:0], unix.PollFd{Fd: int32(w.ino), Events: unix.POLLIN}), owners[:0]
		for _, s := range w.services {
			if s.pidfd >= 0 {
				fds = append(fds, unix.PollFd{Fd: int32(s.pidfd), Events: unix.POLLIN})
				owners = append(owners, s)
			}
		}
		timeout := -1
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return died, errTimeout
			}
			timeout = int((left + time.Millisecond - 1) / time.Millisecond)
		}
		n, err := unix.Poll(fds, timeout)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return died, &dirError{"services", fmt.Errorf("poll: %w", err)}
		}
		if n == 0 {
			continue // the deadline is checked above
		}
		if fds[0].Revents != 0 {
			if err := w.drain(buf); err != nil {
				return died, err
			}
		}
		for i, s := range owners {
			if fds[i+1].Revents == 0 {
				continue
			}
			// The supervise is dead and its files are closed (a pidfd is
			// readable only after the process has released them).
			unix.Close(s.pidfd)
			s.pidfd, s.holder = -1, 0
			s.now = read(s.dir, 0)
			if !s.now.meets(opt.goal, s.base) {
				died++
				djb.Warn(stderr, prog, "supervise died in ", s.dir)
			}
			s.gone = true
			// s6-svwait looks at the goal after each event: with -o the
			// first death ends the wait, and it alone is counted, even
			// when the other supervises died at the same moment.
			if w.reached(opt) {
				return died, nil
			}
		}
		for _, s := range w.services {
			if s.dirty && !s.gone {
				if err := w.refresh(s); err != nil {
					return died, err
				}
			}
		}
	}
	return died, nil
}

// drain reads every queued inotify event and marks the services they
// concern; a service whose supervise/ appeared gets its watch.
func (w *watcher) drain(buf []byte) error {
	for {
		n, err := unix.Read(w.ino, buf)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return nil
		}
		if err != nil {
			return &dirError{"services", fmt.Errorf("read inotify: %w", err)}
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
			off += unix.SizeofInotifyEvent + int(ev.Len)
			if err := w.event(int(ev.Wd), ev.Mask, cString(name)); err != nil {
				return err
			}
		}
	}
}

func (w *watcher) event(wd int, mask uint32, name string) error {
	if mask&unix.IN_Q_OVERFLOW != 0 {
		for _, s := range w.services {
			s.dirty = true
			if err := w.watchSupervise(s); err != nil {
				return err
			}
		}
		return nil
	}
	for _, s := range w.byDirWD[wd] {
		if name == svstatus.Dir {
			s.dirty = true
			if err := w.watchSupervise(s); err != nil {
				return err
			}
		}
	}
	if mask&unix.IN_IGNORED != 0 {
		// supervise/ was removed (or renamed away): wait for it again.
		for _, s := range w.bySupWD[wd] {
			s.supWD = -1
			s.dirty = true
			if err := w.watchSupervise(s); err != nil {
				return err
			}
		}
		delete(w.bySupWD, wd)
		return nil
	}
	for _, s := range w.bySupWD[wd] {
		s.dirty = true
	}
	return nil
}

// cString is the name up to its first NUL (inotify pads names with NULs).
func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
