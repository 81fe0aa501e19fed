// Package rlimit owns the memory limits our programs were started with.
//
// The Go runtime reserves some 720 MB of address space and 42 MB of data
// at start-up, before any Go code runs, so a soft RLIMIT_AS or RLIMIT_DATA
// that a run script sets for its daemon (softlimit -m, chpst -m, ulimit
// -S -v) would kill any of our programs placed before the daemon in the
// chain, where 0.76's C programs start in a few hundred kilobytes. So the
// release build (scripts/build.sh: -ldflags=-E=_dtgo_rt0) enters each
// program through a few instructions of its own (entry_GOARCH.s) that run
// before the runtime: they save the soft limits on RLIMIT_AS, RLIMIT_DATA
// and RLIMIT_STACK and raise each to its hard limit, and then jump to the
// runtime's usual entry. A hard limit is never touched, and only what the
// hard limit allows is raised: a hard limit below the runtime's needs
// still stops the program (see the BUGS sections).
//
// What the program hands on is what it received: the chain-loaders put the
// saved soft limits back at their exec (PrepareExec, used by package
// pathexec), and every child started by supervise, svscan, multilog or
// fghack gets them back between its fork and its exec (RawRestore, in
// supervise's own fork and in package spawn). A process of ours never
// lowers its own limits for a while: under a soft limit below what the
// runtime has mapped already, the kernel refuses every further mapping,
// and the runtime dies of the first it needs. Without the entry step (another
// architecture, or a plain go build) nothing was saved, nothing was raised
// and every function here does nothing.
//
// It uses package syscall (whose Rlimit is the kernel's struct rlimit64
// on every architecture), not golang.org/x/sys/unix: svok and svstat link
// this package for the entry step, and x/sys/unix imports package time,
// whose start-up costs each of them a tenth of a millisecond.
package rlimit

import (
	"syscall"
	"unsafe"
)

// Resources are the limits the entry step saves, in the order of the
// saved array: it raises the first Raised of them; the last, the open
// files limit, is raised by the runtime itself (and put back by package
// syscall's Exec and ForkExec, which an exec done here must do as well).
var Resources = [N]int{syscall.RLIMIT_AS, syscall.RLIMIT_DATA, syscall.RLIMIT_STACK, syscall.RLIMIT_NOFILE}

const (
	N      = 4 // resources saved
	Raised = 3 // of which raised by the entry step
)

// Filled by the entry step (entry_GOARCH.s) before the runtime starts:
// entered is 1 when it ran, saved[i] is what prlimit64 returned for
// Resources[i] (cur, max), and savedOK[i] is 1 when that call succeeded
// (only then was the limit raised).
var (
	entered uint64
	saved   [N]syscall.Rlimit
	savedOK [N]uint64
	scratch syscall.Rlimit // the new limit, for the entry step

	// What the entry step says, after the program's name, when a hard
	// limit leaves the runtime no chance to start.
	hardASMessage   = ": fatal: hard limit on address space too low for the Go runtime (it needs about 720000000 bytes)\n"
	hardDataMessage = ": fatal: hard limit on data too low for the Go runtime (it needs about 42000000 bytes)\n"
)

// Entered reports whether the entry step ran.
func Entered() bool { return entered == 1 }

// Saved returns, for each of Resources, the limit in force when the
// program started and whether it was saved (and raised); ok is false
// for every resource when the entry step did not run.
func Saved(i int) (lim syscall.Rlimit, ok bool) {
	return saved[i], entered == 1 && savedOK[i] == 1
}

// raised reports whether the entry step changed resource i: a saved soft
// limit below its hard limit.
func raised(i int) bool {
	lim, ok := Saved(i)
	return i < Raised && ok && lim.Cur != lim.Max
}

// RawRestore puts the saved limits back (the soft open-files limit
// too, which the runtime raised, as syscall.ForkExec does) with raw
// system calls only: for a forked child between fork and exec, which may
// not allocate or grow its stack.
//
//go:nosplit
//go:norace
func RawRestore() {
	if entered != 1 {
		return
	}
	for i := 0; i < N; i++ {
		if savedOK[i] == 1 {
			syscall.RawSyscall6(syscall.SYS_PRLIMIT64, 0, uintptr(Resources[i]), uintptr(unsafe.Pointer(&saved[i])), 0, 0, 0)
		}
	}
}

// An entry is one limit to set.
type entry struct {
	resource int
	lim      syscall.Rlimit
}

// pending are the limits softlimit asked for, in its option order.
var pending []entry

// AtExec records a limit to set at the exec (ExecState), after the saved
// ones are put back: softlimit's, set as late as possible, since a Go
// process needs memory and threads until then.
func AtExec(resource int, lim syscall.Rlimit) {
	pending = append(pending, entry{resource, lim})
}

// ExecState is what an exec must set for the program it runs, made ready
// beforehand: Apply and Undo then only make raw system calls, and
// allocate nothing. Between them, with the memory limits back at what the
// program started with, the runtime may be unable to map more memory.
type ExecState struct {
	apply, undo []entry
}

// PrepareExec returns the limits to set for the program an exec runs:
// the saved ones put back (the open-files limit too, as syscall.Exec does),
// then those given to AtExec. Undo puts back the ones in force now. Ok is
// false when the entry step did not run: then nothing was saved, and
// SetPending sets AtExec's limits the plain way.
func PrepareExec() (x *ExecState, ok bool) {
	if !Entered() {
		return nil, false
	}
	x = &ExecState{}
	for i := range N {
		if lim, ok := Saved(i); ok {
			x.apply = append(x.apply, entry{Resources[i], lim})
		}
	}
	x.apply = append(x.apply, pending...)
	for _, e := range x.apply {
		var now syscall.Rlimit
		if syscall.Getrlimit(e.resource, &now) == nil {
			x.undo = append([]entry{{e.resource, now}}, x.undo...)
		}
	}
	return x, true
}

// Apply sets the program's limits.
//
//go:nosplit
//go:norace
func (x *ExecState) Apply() { setRaw(x.apply) }

// Undo puts back the limits in force before Apply (the exec failed).
//
//go:nosplit
//go:norace
func (x *ExecState) Undo() { setRaw(x.undo) }

//go:nosplit
//go:norace
func setRaw(es []entry) {
	for i := 0; i < len(es); i++ {
		syscall.RawSyscall6(syscall.SYS_PRLIMIT64, 0, uintptr(es[i].resource), uintptr(unsafe.Pointer(&es[i].lim)), 0, 0, 0)
	}
}

// SetPending sets AtExec's limits at once, with syscall.Setrlimit (which
// tells syscall.Exec not to put back the open-files limit it saved): for
// a build without the entry step.
func SetPending() error {
	for _, e := range pending {
		if err := syscall.Setrlimit(e.resource, &e.lim); err != nil {
			return err
		}
	}
	return nil
}

// NeedsRestore reports whether the entry step raised any limit, which a
// child must then get back.
func NeedsRestore() bool {
	for i := range Raised {
		if raised(i) {
			return true
		}
	}
	return false
}

// MemoryBound is the lowest soft limit on RLIMIT_AS or RLIMIT_DATA that
// the entry step raised, in bytes; ok is false when it raised neither.
// A long-running program gives it to the runtime as its soft memory limit
// (debug.SetMemoryLimit), so that the collector keeps the heap under the
// limit meant for it, as far as the runtime can.
func MemoryBound() (bytes int64, ok bool) {
	for i, res := range Resources {
		if res != syscall.RLIMIT_AS && res != syscall.RLIMIT_DATA || !raised(i) {
			continue
		}
		cur := int64(min(saved[i].Cur, 1<<62))
		if !ok || cur < bytes {
			bytes, ok = cur, true
		}
	}
	return bytes, ok
}
