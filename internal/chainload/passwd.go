package chainload

import (
	"io"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// passwdFile is the account database read by lookup.
var passwdFile = "/etc/passwd"

// lookup finds account as getpwnam does with the "files" source: the
// first line of /etc/passwd whose name field is account and whose uid and
// gid fields are decimal numbers. NSS modules (LDAP, systemd's dynamic
// users, ...) are not consulted: the programs are static. This small
// reader replaces os/user, which pulls in fmt and costs start-up time.
func lookup(account string) (uid, gid uint64, ok bool) {
	fd, err := unix.Open(passwdFile, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, 0, false
	}
	data, err := io.ReadAll(fdReader(fd))
	unix.Close(fd)
	if err != nil {
		return 0, 0, false
	}
	return findAccount(string(data), account)
}

// findAccount is lookup's search of the file's contents.
func findAccount(passwd, account string) (uid, gid uint64, ok bool) {
	for line := range strings.SplitSeq(passwd, "\n") {
		f := strings.SplitN(line, ":", 5)
		if len(f) < 4 || f[0] != account {
			continue
		}
		uid, err1 := strconv.ParseUint(f[2], 10, 32)
		gid, err2 := strconv.ParseUint(f[3], 10, 32)
		if err1 == nil && err2 == nil {
			return uid, gid, true
		}
	}
	return 0, 0, false
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
