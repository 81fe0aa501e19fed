// Package svscan owns the scanner of daemontools 0.76: one supervise per
// service directory, a second one for NAME/log joined to the first by a
// pipe that svscan keeps open, rescans every five seconds. On top of 0.76
// it rescans at once on inotify events and SIGALRM, reaps on SIGCHLD,
// announces readiness and what it supervises through NOTIFY_SOCKET
// (status.go) and shuts the tree down in order on SIGTERM (and SIGINT as
// process 1).
package svscan

import (
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/djb"
)

const prog = "svscan"

// rescanEvery is 0.76's sleep(5) between scans.
const rescanEvery = 5 * time.Second

// settle is how long a burst of directory events may last before the scan
// they trigger: long enough for "mkdir -p NAME/log" or "mkdir NAME &&
// mkdir NAME/log" to finish, so that the log decision (made once, when
// the entry is created) sees NAME/log.
const settle = 10 * time.Millisecond

// Main runs svscan: "svscan [dir]". Children get stdin, stdout and stderr
// as their descriptors 0, 1 and 2. It returns only after a shutdown.
func Main(args []string, stdin, stdout, stderr *os.File) int {
	// The stop signals are svscan's from its first moment: a TERM sent
	// while svscan starts (after HUP, say: reexec) begins the ordered
	// shutdown as soon as the services are known, instead of ending
	// svscan at once with its services left behind.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, stopSignals()...)
	if len(args) > 1 {
		if err := unix.Chdir(args[1]); err != nil {
			djb.FatalErr(stderr, prog, err, "unable to chdir to ", args[1])
			return djb.ExitTemp
		}
	}
	// A mistyped timeout must not keep the services from starting at
	// boot: warn and use the default.
	timeout, err := shutdownTimeout(os.Getenv(timeoutVar))
	if err != nil {
		djb.Warn(stderr, prog, "bad ", timeoutVar, ", using ", defaultTimeout.String(), ": ", err.Error())
		timeout = defaultTimeout
	}
	s := newScanner(stdin, stdout, stderr, childEnv(os.Environ()))
	if s.inprocess(os.Getenv(modeVar)) {
		s.tree = newTree(s)
	}
	return s.run(timeout, stop)
}

// childEnv is svscan's environment without NOTIFY_SOCKET: the socket
// belongs to svscan's own unit, and a service that found it would be
// taken for svscan by the service manager.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "NOTIFY_SOCKET=") {
			out = append(out, kv)
		}
	}
	return out
}

// stopSignals are the signals that begin an ordered shutdown. As process 1
// INT (ctrl-alt-del, "docker kill -s INT") does too; otherwise INT keeps
// its default action, as in 0.76.
func stopSignals() []os.Signal {
	if os.Getpid() == 1 {
		return []os.Signal{unix.SIGTERM, unix.SIGINT}
	}
	return []os.Signal{unix.SIGTERM}
}

// run is the event loop. Everything that forks or reaps happens in this
// one goroutine, so a child can never be reaped before its pid is
// recorded.
func (s *scanner) run(timeout time.Duration, stop chan os.Signal) int {
	children := make(chan os.Signal, 1)
	signal.Notify(children, unix.SIGCHLD)
	rescan := make(chan os.Signal, 1)
	signal.Notify(rescan, unix.SIGALRM)
	// Under in-process supervision HUP makes svscan execute itself again
	// (tree.go, reexec); otherwise it keeps its default action, as in 0.76.
	var hup chan os.Signal
	if s.tree != nil {
		hup = make(chan os.Signal, 1)
		signal.Notify(hup, unix.SIGHUP)
	}

	events := s.watch()
	ticker := time.NewTicker(rescanEvery)
	defer ticker.Stop()
	var settled <-chan time.Time

	s.startStatusWatch()
	s.reap()
	s.scan()
	s.notify(daemon.SdNotifyReady)
	s.reportAll()
	for {
		select {
		case <-children:
			s.reap()
		case fds := <-s.events():
			s.tree.serve(fds)
		case pid := <-s.gone:
			s.adoptedExited(pid)
			s.scan() // start its successor now, not at the next scan
			s.reportAll()
		case <-rescan:
			s.rescan()
		case <-ticker.C:
			s.rescan()
		case <-events:
			if settled == nil {
				settled = time.After(settle)
			}
		case <-settled:
			settled = nil
			s.rescan()
		case <-s.statusChanged():
			s.reportChanged()
		case sig := <-stop:
			return s.shutdown(sig, timeout, children)
		case <-hup:
			if sig := s.reexec(stop); sig != nil {
				return s.shutdown(sig, timeout, children)
			}
		}
	}
}

// rescan reaps, scans, and tells systemd what it found.
func (s *scanner) rescan() {
	s.reap()
	s.scan()
	s.reportAll()
}

// notify sends state to NOTIFY_SOCKET when it is set.
func (s *scanner) notify(state string) {
	if _, err := daemon.SdNotify(false, state); err != nil {
		s.warnErr(err, "unable to notify ", os.Getenv("NOTIFY_SOCKET"))
	}
}

// watch asks inotify about entries appearing, disappearing or changing in
// the scan directory and returns a channel that receives after each
// batch of events. Without inotify the channel never receives and the
// five-second rescan alone finds new services, as in 0.76.
func (s *scanner) watch() <-chan struct{} {
	events := make(chan struct{}, 1)
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		s.warnErr(err, "unable to watch directory")
		return events
	}
	const mask = unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_DELETE |
		unix.IN_MOVED_FROM | unix.IN_ATTRIB
	if _, err := unix.InotifyAddWatch(fd, ".", mask); err != nil {
		unix.Close(fd)
		s.warnErr(err, "unable to watch directory")
		return events
	}
	// A non-blocking descriptor goes to the runtime's poller, so the
	// goroutine below sleeps in epoll rather than holding a thread.
	f := os.NewFile(uintptr(fd), "inotify")
	go func() {
		buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
		for {
			if _, err := f.Read(buf); err != nil {
				return
			}
			select {
			case events <- struct{}{}:
			default:
			}
		}
	}()
	return events
}
