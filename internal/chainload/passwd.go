package chainload

import (
	"io"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// passwdFile is the account database read first by lookup.
var passwdFile = "/etc/passwd"

// getentPaths are where lookup looks for getent(1), in order: fixed
// places, never the caller's PATH.
var getentPaths = []string{"/usr/bin/getent", "/bin/getent"}

// getentMax bounds what is read of getent's output (one passwd line).
const getentMax = 64 << 10

// lookup finds account as 0.76's getpwnam does on a glibc system: first
// in /etc/passwd (the first line whose name field is account and whose
// uid and gid fields are decimal numbers), which is where almost every
// service account is and costs no process; then, only when it is not
// there, through getent(1), which asks every source nsswitch.conf names
// (LDAP, SSSD, systemd's userdb, ...). The programs are static, without
// the C library's NSS; this small reader also replaces os/user, which
// pulls in fmt and costs start-up time.
func lookup(account string) (uid, gid uint64, ok bool) {
	if data, ok := readPasswd(); ok {
		if uid, gid, ok := findAccount(data, account); ok {
			return uid, gid, true
		}
	}
	return lookupNSS(account)
}

// readPasswd reads /etc/passwd whole.
func readPasswd() (string, bool) {
	fd, err := unix.Open(passwdFile, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", false
	}
	data, err := io.ReadAll(fdReader(fd))
	unix.Close(fd)
	return string(data), err == nil
}

// findAccount is lookup's search of /etc/passwd's contents.
func findAccount(passwd, account string) (uid, gid uint64, ok bool) {
	for line := range strings.SplitSeq(passwd, "\n") {
		name, uid, gid, ok := parsePasswdLine(line)
		if ok && name == account {
			return uid, gid, true
		}
	}
	return 0, 0, false
}

// parsePasswdLine reads the name, uid and gid of one passwd(5) line; ok
// is false when it has fewer than four fields or an id is not a decimal
// number of at most 32 bits.
func parsePasswdLine(line string) (name string, uid, gid uint64, ok bool) {
	f := strings.SplitN(line, ":", 5)
	if len(f) < 4 {
		return "", 0, 0, false
	}
	uid, err1 := strconv.ParseUint(f[2], 10, 32)
	gid, err2 := strconv.ParseUint(f[3], 10, 32)
	if err1 != nil || err2 != nil {
		return "", 0, 0, false
	}
	return f[0], uid, gid, true
}

// lookupNSS runs "getent passwd -- account" and reads the account from
// its first line, as getpwnam returns it (a source may give the name in
// another case than asked). Exit code 2 (not found), any other failure,
// or no getent at all: unknown account, as when getpwnam returns NULL.
//
// The child changes nothing the exec'd program gets: its descriptors are
// a close-on-exec pipe and /dev/null, closed before lookup returns; it is
// waited for; the runtime's signal handlers, mask and limits are left as
// they were (syscall.ForkExec blocks signals around the fork only).
func lookupNSS(account string) (uid, gid uint64, ok bool) {
	if !askGetent(account) {
		return 0, 0, false
	}
	out, ok := runGetent([]string{"getent", "passwd", "--", account})
	if !ok {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(out, "\n")
	_, uid, gid, ok = parsePasswdLine(line)
	return uid, gid, ok
}

// askGetent reports whether getent would look account up by name. getent
// takes a key that strtoul(3) reads whole ("1000", " -1", "+7") as a user
// id, and getpwnam never finds an empty name or one with ':' or a newline.
func askGetent(account string) bool {
	if account == "" || strings.ContainsAny(account, ":\n") {
		return false
	}
	digits := strings.TrimLeft(account, " \t\n\v\f\r")
	if digits != "" && (digits[0] == '+' || digits[0] == '-') {
		digits = digits[1:]
	}
	if digits == "" {
		return true
	}
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return true
		}
	}
	return false
}

// runGetent runs getent from the first of getentPaths that can be run,
// with argv, the environment received, standard input and error on
// /dev/null, and returns its standard output if it exited 0.
func runGetent(argv []string) (string, bool) {
	devnull, err := unix.Open("/dev/null", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", false
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		unix.Close(devnull)
		return "", false
	}
	attr := &syscall.ProcAttr{Env: Environ(), Files: []uintptr{uintptr(devnull), uintptr(p[1]), uintptr(devnull)}}
	pid := 0
	for _, path := range getentPaths {
		if pid, err = syscall.ForkExec(path, argv, attr); err == nil {
			break
		}
	}
	unix.Close(p[1])
	unix.Close(devnull)
	if err != nil {
		unix.Close(p[0])
		return "", false
	}
	out, _ := io.ReadAll(io.LimitReader(fdReader(p[0]), getentMax))
	unix.Close(p[0]) // a getent with more to say gets EPIPE, not a hang
	var ws unix.WaitStatus
	for {
		_, err = unix.Wait4(pid, &ws, 0, nil)
		if err != unix.EINTR {
			break
		}
	}
	return string(out), err == nil && ws.Exited() && ws.ExitStatus() == 0
}

// fdReader reads a raw descriptor, retrying when interrupted.
type fdReader int

func (f fdReader) Read(b []byte) (int, error) {
	for {
		n, err := unix.Read(int(f), b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}
