package chainload

import (
	"io"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/djb"
)

// accountArgs checks the arguments "PROG account child..." and looks the
// account up. On failure it prints 0.76's message and returns the exit
// code (100 usage, 111 unknown account); code is 0 on success.
func accountArgs(stderr io.Writer, prog string, args []string) (uid, gid uint64, code int) {
	if len(args) < 3 {
		return 0, 0, usage(stderr, prog, prog+" account child", djb.ExitUsage)
	}
	uid, gid, ok := lookup(args[1])
	if !ok {
		djb.Fatal(stderr, prog, "unknown account ", args[1])
		return 0, 0, djb.ExitTemp
	}
	return uid, gid, 0
}

// Setuidgid is setuidgid: "setuidgid account child...": take account's
// uid and primary gid, with that gid as the only supplementary group, and
// run child.
//
// The credentials change on this thread only, and child is exec'd from
// it. The kernel keeps credentials per thread; package syscall's Setuid,
// Setgid and Setgroups change them on every thread of the Go process,
// which stops the world and signals each thread, and cost setuidgid
// some 0.4 ms per call, most of its start-up beyond Go's own. Nothing
// here needs that: execve ends every other thread and gives the new
// program the credentials of the thread that calls it, and when no exec
// succeeds setuidgid exits at once. The other threads belong to the
// runtime and never run our code; the process is no longer dumpable once
// its credentials change, so the account cannot ptrace them meanwhile.
func Setuidgid(args []string, stderr io.Writer) int {
	const prog = "setuidgid"
	uid, gid, code := accountArgs(stderr, prog, args)
	if code != 0 {
		return code
	}
	lockThread() // never unlocked: the exec happens on this thread
	if err := threadSetgroupsGid(int(gid)); err != nil {
		djb.FatalErr(stderr, prog, err, "unable to setgid")
		return djb.ExitTemp
	}
	if err := threadSetuid(int(uid)); err != nil {
		djb.FatalErr(stderr, prog, err, "unable to setuid")
		return djb.ExitTemp
	}
	return run(stderr, prog, args[2:], Environ())
}

// threadSetgroupsGid is 0.76's prot_gid on the calling thread: the group
// list becomes just gid, then the gid is set; either failure is reported
// as "unable to setgid".
func threadSetgroupsGid(gid int) error {
	if err := unix.Setgroups([]int{gid}); err != nil { // a raw system call: this thread
		return err
	}
	if _, _, e := unix.RawSyscall(sysSetgid, uintptr(gid), 0, 0); e != 0 {
		return e
	}
	return nil
}

// threadSetuid is setuid(2) on the calling thread.
func threadSetuid(uid int) error {
	if _, _, e := unix.RawSyscall(sysSetuid, uintptr(uid), 0, 0); e != 0 {
		return e
	}
	return nil
}

// Envuidgid is envuidgid: "envuidgid account child...": set GID and UID
// in the environment to account's primary gid and uid (privileges do not
// change) and run child.
func Envuidgid(args []string, stderr io.Writer) int {
	const prog = "envuidgid"
	uid, gid, code := accountArgs(stderr, prog, args)
	if code != 0 {
		return code
	}
	env := mergeEnv([]string{"GID=" + decimal(gid), "UID=" + decimal(uid)})
	return run(stderr, prog, args[2:], env)
}
