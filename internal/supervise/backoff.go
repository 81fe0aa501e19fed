package supervise

import (
	"time"

	"github.com/daemontools-go/daemontools/internal/svconf"
)

// restart-backoff: a service that keeps dying is restarted less and
// less often. After the N-th death within T milliseconds, the starts
// are spaced 2, 4, 8, ... times the usual pause (one second, or
// restart-delay), up to MAX milliseconds, until a run lasts T or more.
// The held-back restart waits with supervise listening (svstatus shows
// "down, want up"); u and o start the service at once. Without the
// file, 0.76's pacing: a restart at once, a pause after each start.

// backoff is the record of recent deaths, kept without allocating.
type backoff struct {
	deaths  [svconf.MaxBackoffDeaths]time.Time // a ring of the last deaths
	next    int                                // where the next death goes
	streak  int                                // deaths since the back-off began; 0: none
	started time.Time                          // the last start of ./run
}

// holdRestart records a death of ./run and, when restart-backoff says
// so, holds back the next start (restartAt).
func (s *supervisor) holdRestart() {
	var buf [svconf.MaxFileSize]byte
	n, ok := readOption(s.dirfd, restartBackoffPath, buf[:])
	if !ok {
		return
	}
	p, ok := svconf.ParseBackoff(buf[:n])
	if !ok {
		return
	}
	now := time.Now()
	gap := s.backoff.death(p, now, s.restartDelay())
	if gap > 0 {
		s.restartAt = s.backoff.started.Add(gap)
		if !s.restartAt.After(now) {
			s.restartAt = time.Time{}
		}
	}
}

// death records a death at now and returns the time wanted between the
// last start and the next one, or 0 when the usual pacing applies.
func (b *backoff) death(p svconf.Backoff, now time.Time, delay time.Duration) time.Duration {
	if now.Sub(b.started) >= p.Window {
		*b = backoff{started: b.started} // it stayed up: forget the past
	}
	b.deaths[b.next] = now
	b.next = (b.next + 1) % len(b.deaths)
	switch {
	case b.streak > 0:
		b.streak++
	case b.within(now, p.Window) >= p.Deaths:
		b.streak = 1
	default:
		return 0
	}
	pause := max(delay, time.Millisecond)
	gap := p.Max
	if shift := min(b.streak, 40); pause < p.Max>>shift {
		gap = pause << shift
	}
	return gap
}

// within counts the deaths recorded in the window up to now.
func (b *backoff) within(now time.Time, window time.Duration) int {
	n := 0
	for _, t := range b.deaths {
		if !t.IsZero() && now.Sub(t) < window {
			n++
		}
	}
	return n
}
