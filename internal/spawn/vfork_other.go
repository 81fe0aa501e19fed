//go:build !amd64 && !arm64

package spawn

import "golang.org/x/sys/unix"

// rawVfork is not needed here: the entry step exists on amd64 and arm64
// only, so Needed is false and Start is never called.
func rawVfork(flags uintptr) (pid uintptr, err unix.Errno) { return 0, unix.ENOSYS }
