package supervise

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The system calls of a restart and of a command (reap, status file, fork,
// kill) are quick and never wait for anything, so supervise makes them raw:
// the runtime is not told about them. Told (unix.Read, unix.Wait4, ...),
// it hands the only P to another thread whenever one of them takes more
// than 20 microseconds, which a rename of the status file on a busy disk
// easily does; the goroutine then finishes on that other thread, after
// two thread wake-ups, and a restart took about twice as long as the C
// supervise's. Only poll and the pause after a start, which do wait, go
// through the runtime (they let its background work run meanwhile).

func rawRead(fd int, b []byte) int {
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	if e != 0 {
		return -1
	}
	return int(n)
}

func rawClose(fd int) {
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

func rawKill(pid int, sig unix.Signal) {
	unix.RawSyscall(unix.SYS_KILL, uintptr(pid), uintptr(sig), 0)
}

// rawWait4 is wait4(-1, &ws, WNOHANG, nil).
func rawWait4(ws *unix.WaitStatus) (int, unix.Errno) {
	var status int32
	r, _, e := unix.RawSyscall6(unix.SYS_WAIT4, ^uintptr(0), uintptr(unsafe.Pointer(&status)), unix.WNOHANG, 0, 0, 0)
	*ws = unix.WaitStatus(status)
	return int(r), e
}

func rawPidfdOpen(pid int) (int, unix.Errno) {
	fd, _, e := unix.RawSyscall(unix.SYS_PIDFD_OPEN, uintptr(pid), 0, 0)
	return int(fd), e
}

func rawGetpgid(pid int) int {
	r, _, e := unix.RawSyscall(unix.SYS_GETPGID, uintptr(pid), 0, 0)
	if e != 0 {
		return -1
	}
	return int(r)
}

// rawPipe2 is pipe2(p, flags).
func rawPipe2(p *[2]int32, flags int) unix.Errno {
	_, _, e := unix.RawSyscall(unix.SYS_PIPE2, uintptr(unsafe.Pointer(p)), uintptr(flags), 0)
	return e
}

// rawSetNonblock sets O_NONBLOCK on fd (a pipe end of our own, whose
// other flags are known to be none).
func rawSetNonblock(fd int) {
	unix.RawSyscall(unix.SYS_FCNTL, uintptr(fd), unix.F_SETFL, unix.O_NONBLOCK)
}

// rawWait4Pid is wait4(pid, &ws, WNOHANG, nil): whether pid is a child
// of ours that has exited, and reaped now.
func rawWait4Pid(pid int, ws *unix.WaitStatus) bool {
	var status int32
	r, _, e := unix.RawSyscall6(unix.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(&status)), unix.WNOHANG, 0, 0, 0)
	*ws = unix.WaitStatus(status)
	return e == 0 && int(r) == pid
}
