package svscan

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// runHelper runs the test binary as a service program.
func runHelper(name string) int {
	switch name {
	case "lines":
		return numberedLines()
	}
	fmt.Fprintln(os.Stderr, "unknown helper", name)
	return 100
}

// numberedLines is a service writing the numbers 0, 1, 2, ... one per
// line, resuming from the number saved in ./next by the previous run, so
// that all runs together write each number exactly once. Each run writes
// at most LINES_PER_RUN lines and then exits (supervise restarts it); on
// TERM it finishes the write in progress, saves its place and exits. Every
// write(2) is at most PIPE_BUF bytes of whole lines, so it is atomic on a
// pipe: nothing is ever half written. After LINES_TOTAL it saves its place,
// creates ./done and sleeps. LINES_PAUSE is a pause between writes.
func numberedLines() int {
	total, _ := strconv.Atoi(os.Getenv("LINES_TOTAL"))
	perRun, _ := strconv.Atoi(os.Getenv("LINES_PER_RUN"))
	pause, _ := time.ParseDuration(os.Getenv("LINES_PAUSE"))
	var stop atomic.Bool
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	go func() { <-term; stop.Store(true) }()
	next := readNumber("next")
	writeNumber("runs", readNumber("runs")+1)
	journal, _ := os.OpenFile("journal", os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	buf := make([]byte, 0, 4096)
	for written := 0; next < total && written < perRun && !stop.Load(); {
		buf = buf[:0]
		n := 0
		for next+n < total && written+n < perRun {
			line := strconv.Itoa(next+n) + "\n"
			if len(buf)+len(line) > cap(buf) {
				break
			}
			buf = append(buf, line...)
			n++
		}
		if err := writeAll(buf); err != nil {
			fmt.Fprintln(os.Stderr, "lines:", err)
			return 111
		}
		if journal != nil {
			fmt.Fprintf(journal, "%d %d %d\n", os.Getpid(), next, next+n-1)
		}
		next += n
		written += n
		time.Sleep(pause)
	}
	writeNumber("next", next)
	if next < total {
		return 0
	}
	os.WriteFile("done", nil, 0o644)
	for {
		time.Sleep(time.Hour)
	}
}

func writeAll(b []byte) error {
	for {
		n, err := unix.Write(1, b)
		if err == unix.EINTR {
			continue
		}
		if err == nil && n != len(b) {
			return fmt.Errorf("short write %d of %d", n, len(b))
		}
		return err
	}
}

func readNumber(file string) int {
	b, _ := os.ReadFile(file)
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

func writeNumber(file string, n int) {
	os.WriteFile(file+".tmp", []byte(strconv.Itoa(n)+"\n"), 0o644)
	os.Rename(file+".tmp", file)
}
