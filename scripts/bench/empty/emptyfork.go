//go:build ignore

// The baseline of fghack in the exec benchmarks: an empty Go fork-and-wait
// wrapper (main starts /bin/true with a pipe's write end as its
// descriptor 1, reads the pipe to its end and waits for the child, as
// fghack must), built by scripts/build.sh like ours, with the same
// //go:debug lines as every program in cmd/. (Built by file name: the
// ignore tag keeps it out of ./...)
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0
package main

import (
	"os"
	"syscall"
	"unsafe"
)

func main() {
	var p [2]int
	if syscall.Pipe2(p[:], syscall.O_CLOEXEC) != nil {
		os.Exit(111)
	}
	pid, err := syscall.ForkExec("/bin/true", []string{"true"}, &syscall.ProcAttr{Files: []uintptr{0, uintptr(p[1]), 2}})
	if err != nil {
		os.Exit(111)
	}
	syscall.Close(p[1])
	var buf [1024]byte
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(p[0]), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 || n == 0 {
			break
		}
	}
	var status int32
	syscall.RawSyscall6(syscall.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(&status)), 0, 0, 0, 0)
	os.Exit(int(status>>8) & 0xff)
}
