package svstate

import (
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svstatus"
)

var fileNewPath, filePath = svstatus.NewSysPath(FileNew), svstatus.NewSysPath(File)

// WriteError says which step of Write failed: "open" or "write" (on
// FileNew) or "rename" (FileNew to File), so that supervise can warn in
// the words it uses for the status file.
type WriteError struct {
	Op  string
	Err error
}

func (e *WriteError) Error() string { return e.Op + " " + FileNew + ": " + e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// Write replaces supervise/state (relative to the current directory, as
// supervise runs in the service directory) with an encoded record, the way
// svstatus.Write replaces status: one write to state.new, then a rename,
// so a reader sees the old record or the new one, never a torn one. It
// uses raw system calls and allocates nothing except on failure (the
// *WriteError).
func Write(rec []byte) error { return WriteAt(unix.AT_FDCWD, rec) }

// WriteAt is Write in the service directory dirfd.
func WriteAt(dirfd int, rec []byte) error {
	fd, err := fileNewPath.OpenAt(dirfd, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_TRUNC|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return &WriteError{"open", err}
	}
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(rec))), uintptr(len(rec)))
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
	if e != 0 {
		return &WriteError{"write", e}
	}
	if int(n) < len(rec) {
		return &WriteError{"write", svstatus.ErrPartialWrite}
	}
	if err := fileNewPath.RenameAt(dirfd, filePath); err != nil {
		return &WriteError{"rename", err}
	}
	return nil
}

// Read reads and parses dir's supervise/state. An error that satisfies
// errors.Is(err, fs.ErrNotExist) means the supervise (the C one, or ours
// not yet started) keeps no extended state: read 0.76's status instead.
func Read(dir string) (State, error) {
	b, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		return State{}, err
	}
	return Parse(b)
}
