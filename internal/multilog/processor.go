package multilog

import (
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/spawn"
)

// process runs the directory's processor on previous until it succeeds,
// then makes its output the finished .s file and its newstate the state.
// The working directory is the log directory.
func (d *logDir) process() {
	p := d.p
	for {
		ok, crashed := d.runProcessor()
		if ok {
			break
		}
		if crashed {
			// 0.76 prints a stale errno here; on Linux it is the ENOENT
			// left by the start-up unlink of state or newstate.
			p.pause(syscall.ENOENT, "processor crashed in ", d.Name, ", pausing")
		}
		p.pauseNoErr("processor failed in ", d.Name, ", pausing")
	}
	fd := d.create("processed")
	d.syncFd(fd, "processed")
	p.retry(func() error { return unix.Fchmod(fd, 0o744) }, "unable to set mode of ", d.Name, "/processed, pausing")
	unix.Close(fd)
	fd = d.create("newstate")
	d.syncFd(fd, "newstate")
	unix.Close(fd)
	p.retry(func() error { return unix.Unlink("previous") }, "unable to remove ", d.Name, "/previous, pausing")
	p.retry(func() error { return unix.Rename("newstate", "state") },
		"unable to rename newstate to state in directory ", d.Name, ", pausing")
	d.finish("processed", 's')
}

// runProcessor starts "sh -c PROCESSOR" with previous on fd 0, processed
// on 1, state on 4 and newstate on 5, and waits for it. A failure to set
// it up is reported as 0.76's child reports it ("unable to run") and
// counts as a failed run.
func (d *logDir) runProcessor() (ok, crashed bool) {
	files := make([]*os.File, 0, 4)
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, o := range []struct {
		name string
		open func(string) (int, error)
	}{{"previous", openRead}, {"processed", openTrunc}, {"state", openRead}, {"newstate", openTrunc}} {
		fd, err := o.open(o.name)
		if err != nil {
			d.p.fatal(err, "unable to run ", d.Processor)
			return false, false
		}
		files = append(files, os.NewFile(uintptr(fd), o.name))
	}
	if spawn.Needed() {
		return d.spawnProcessor(files)
	}
	cmd := &exec.Cmd{
		Path:       "/bin/sh",
		Args:       []string{"sh", "-c", d.Processor},
		Stdin:      files[0],
		Stdout:     files[1],
		Stderr:     d.p.stderr,
		ExtraFiles: []*os.File{nil, files[2], files[3]}, // fds 3 (closed), 4, 5
	}
	if err := cmd.Start(); err != nil {
		d.p.fatal(err, "unable to run ", d.Processor)
		return false, false
	}
	err := cmd.Wait()
	if err == nil {
		return true, false
	}
	if ee, isExit := err.(*exec.ExitError); isExit {
		if ws, isWS := ee.Sys().(syscall.WaitStatus); isWS && ws.Signaled() {
			return false, true
		}
	}
	return false, false
}

// spawnProcessor is runProcessor's start and wait where the processor
// must get the memory limits multilog started with (internal/spawn).
func (d *logDir) spawnProcessor(files []*os.File) (ok, crashed bool) {
	fds := []int{int(files[0].Fd()), int(files[1].Fd()), int(d.p.stderr.Fd()), -1, int(files[2].Fd()), int(files[3].Fd())}
	pid, _, err := spawn.Start("/bin/sh", []string{"sh", "-c", d.Processor}, os.Environ(), "", fds)
	if err != nil {
		d.p.fatal(err, "unable to run ", d.Processor)
		return false, false
	}
	var ws unix.WaitStatus
	for {
		if _, err = unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
			break
		}
	}
	return err == nil && ws.Exited() && ws.ExitStatus() == 0, err == nil && ws.Signaled()
}
