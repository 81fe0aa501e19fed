package multilog

import (
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/daemontools-go/daemontools/internal/djb"
)

const prog = "multilog"

// RetryEnv names the environment variable that shortens the 5-second pause
// after a failed system call. It exists for the test suite only (so that
// disk-full and processor-failure tests finish quickly); nobody should set
// it in production, where the pause stays 0.76's 5 seconds.
const RetryEnv = "MULTILOG_RETRY_MS"

const defaultRetry = 5 * time.Second

func retryDelay() time.Duration {
	if v := os.Getenv(RetryEnv); v != "" {
		if ms, err := strconv.Atoi(v); err == nil && ms >= 0 {
			return time.Duration(ms) * time.Millisecond
		}
	}
	return defaultRetry
}

// pauser prints 0.76's warnings and waits before the caller tries again.
// Nothing is read from stdin meanwhile, so the writer feels backpressure.
type pauser struct {
	stderr *os.File
	delay  time.Duration
	paused *atomic.Bool // if not nil, set at each pause
}

// watched is p, also setting flag whenever it pauses.
func (p *pauser) watched(flag *atomic.Bool) *pauser {
	return &pauser{stderr: p.stderr, delay: p.delay, paused: flag}
}

// pause is 0.76's pause3/pause5: "multilog: warning: PARTS: ERR", then sleep.
func (p *pauser) pause(err error, parts ...string) {
	djb.WarnErr(p.stderr, prog, err, parts...)
	if p.paused != nil {
		p.paused.Store(true)
	}
	time.Sleep(p.delay)
}

// retry runs op until it succeeds, pausing with the warning after each
// failure: 0.76 retries every step of writing and rotating forever.
func (p *pauser) retry(op func() error, parts ...string) {
	for {
		err := op()
		if err == nil {
			return
		}
		p.pause(err, parts...)
	}
}

// pauseNoErr is the variant without an error text ("processor failed").
func (p *pauser) pauseNoErr(parts ...string) {
	djb.Warn(p.stderr, prog, parts...)
	time.Sleep(p.delay)
}

// fatal prints "multilog: fatal: PARTS: ERR" and returns 111 for Main.
func (p *pauser) fatal(err error, parts ...string) int {
	djb.FatalErr(p.stderr, prog, err, parts...)
	return djb.ExitTemp
}

// retryEINTR runs a system call again while a signal interrupts it; 0.76
// keeps its signals blocked outside read(), so it never sees EINTR there.
func retryEINTR(f func() error) error {
	for {
		err := f()
		if err != syscall.EINTR {
			return err
		}
	}
}
