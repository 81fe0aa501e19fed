package chainload

import (
	"io"
	"syscall"
	"unsafe"

	"github.com/daemontools-go/daemontools/internal/djb"
	"github.com/daemontools-go/daemontools/internal/pathexec"
	"github.com/daemontools-go/daemontools/internal/spawn"
	"golang.org/x/sys/unix"
)

// fghackCopies is how many extra copies of the pipe's write end 0.76 gives
// the child: a daemon that closes a few descriptors still holds one.
const fghackCopies = 30

// Fghack is fghack: "fghack child...": run child with the write end of a
// pipe open on many descriptors, read the pipe until every process
// holding it has closed it or exited (so a program that forks into the
// background is waited for), then exit with child's exit code, or 111
// ("child crashed") if a signal killed it.
func Fghack(args []string, stderr io.Writer) int {
	const prog = "fghack"
	if len(args) < 2 {
		return usage(stderr, prog, "fghack child", 100)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		djb.FatalErr(stderr, prog, err, "unable to create pipe")
		return djb.ExitTemp
	}
	pid, err := startChild(args[1:], childFiles(p[1]))
	if err != nil {
		djb.FatalErr(stderr, prog, err, "unable to run ", args[1])
		return djb.ExitTemp
	}
	unix.Close(p[1])
	drain(p[0])
	ws, err := wait(pid)
	if err != nil {
		djb.FatalErr(stderr, prog, err, "wait failed")
		return djb.ExitTemp
	}
	if ws.Signaled() {
		djb.Fatal(stderr, prog, "child crashed")
		return djb.ExitTemp
	}
	return ws.ExitStatus()
}

// startChild forks and execs argv as 0.76's child does, searching PATH.
// Each failed exec costs a fork here, where the C child searched in one
// process; what is run and what is reported are the same.
func startChild(argv []string, files []uintptr) (pid int, err error) {
	beforeExec()
	attr := &syscall.ProcAttr{Env: Environ(), Files: files}
	err = pathexec.SearchPath(argv[0], pathexec.PathOf(Environ()), func(path string) error {
		var e error
		if spawn.Needed() {
			// The child must get the memory limits fghack started with.
			ints := make([]int, len(files))
			for i, f := range files {
				ints[i] = int(f)
			}
			pid, _, e = spawn.Start(path, argv, Environ(), "", ints)
			return e
		}
		pid, e = syscall.ForkExec(path, argv, attr)
		return e
	})
	return pid, err
}

// childFiles lays out the child's descriptors as 0.76 leaves them: its
// pipe() took the two lowest free descriptors, the child closed the read
// end and dup()ed the write end 30 times into the lowest free ones. So
// the 31 lowest descriptors not inherited (open and not close-on-exec)
// all become the write end w; inherited ones stay where they are.
func childFiles(w int) []uintptr {
	var files []uintptr
	for free := 0; free < fghackCopies+1; {
		fd := len(files)
		if inherited(fd) {
			files = append(files, uintptr(fd))
			continue
		}
		files = append(files, uintptr(w))
		free++
	}
	return files
}

// inherited reports whether fd is open without close-on-exec: one the
// program was given (Go's own descriptors are all close-on-exec).
func inherited(fd int) bool {
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	return err == nil && flags&unix.FD_CLOEXEC == 0
}

// drain reads and discards until end of file or an error.
//
// It and wait block for as long as the child runs, in raw system calls:
// told about a blocking call, the runtime would hand the only P to a new
// thread after 20 microseconds (sysmon), and starting that thread cost
// fghack a tenth of a millisecond per run. fghack has nothing else to
// run meanwhile.
func drain(fd int) {
	var buf [1024]byte
	for {
		n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 || n == 0 {
			return
		}
	}
}

// wait is wait4(pid, &ws, 0, nil), raw (see drain).
func wait(pid int) (unix.WaitStatus, error) {
	for {
		var status int32
		_, _, e := unix.RawSyscall6(unix.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(&status)), 0, 0, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case 0:
			return unix.WaitStatus(status), nil
		}
		return 0, e
	}
}
