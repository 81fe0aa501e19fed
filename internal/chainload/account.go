package chainload

import (
	"io"
	"syscall"

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
// run child. The syscall package's Setgroups/Setgid/Setuid change every
// thread of the Go process, so no thread keeps the old credentials.
func Setuidgid(args []string, stderr io.Writer) int {
	const prog = "setuidgid"
	uid, gid, code := accountArgs(stderr, prog, args)
	if code != 0 {
		return code
	}
	if err := setGroupAndGid(int(gid)); err != nil {
		djb.FatalErr(stderr, prog, err, "unable to setgid")
		return djb.ExitTemp
	}
	if err := syscall.Setuid(int(uid)); err != nil {
		djb.FatalErr(stderr, prog, err, "unable to setuid")
		return djb.ExitTemp
	}
	return run(stderr, prog, args[2:], Environ())
}

// setGroupAndGid is 0.76's prot_gid: the group list becomes just gid,
// then the gid is set; either failure is reported as "unable to setgid".
func setGroupAndGid(gid int) error {
	if err := syscall.Setgroups([]int{gid}); err != nil {
		return err
	}
	return syscall.Setgid(gid)
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
