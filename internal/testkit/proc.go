package testkit

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Proc is a process as /proc shows it.
type Proc struct {
	PID, PPID int
	State     byte // R, S, D, T, Z, ...
	Argv      []string
	Cwd, Exe  string
}

// Gone reports whether the process no longer runs: a zombie has closed its
// files and does nothing more; only its parent's wait is missing.
func (p Proc) Gone() bool { return p.State == 'Z' || p.State == 'X' }

// ReadProc reads /proc/PID; false when there is no such process.
func ReadProc(pid int) (Proc, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Proc{}, false
	}
	// The command name is in parentheses and may contain anything.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 > len(stat) {
		return Proc{}, false
	}
	f := strings.Fields(string(stat[i+2:]))
	if len(f) < 2 {
		return Proc{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	argv := strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")
	cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	return Proc{PID: pid, PPID: ppid, State: f[0][0], Argv: argv, Cwd: cwd, Exe: exe}, true
}

// Procs lists every process for which keep holds.
func Procs(keep func(Proc) bool) []Proc {
	var out []Proc
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := ReadProc(pid); ok && keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// InDir reports whether a process works in one of dirs or below it, or
// names one of them in its arguments: how the processes of one test are
// told apart from everything else on the machine.
func InDir(p Proc, dirs ...string) bool {
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		if p.Cwd == dir || strings.HasPrefix(p.Cwd, dir+"/") {
			return true
		}
		for _, a := range p.Argv {
			if strings.Contains(a, dir) {
				return true
			}
		}
	}
	return false
}

// KillAll kills with SIGKILL every live process of a test: the processes
// pids, those InDir(dirs), and every descendant of either; then it waits
// until each of them is gone. It goes round again until a round finds none
// left, so that a process forked meanwhile (svscan starting a supervise,
// supervise restarting ./run, a service's child) is caught as well. Each
// round first stops the processes it found, so that none of them can fork
// between the listing of their children and the kill.
//
// Call it before a test's directories are removed: t.Cleanup functions
// run last-registered first, so register it (KillAllAtCleanup) after
// t.TempDir. Zombies count as gone (their files are closed); reaping is
// their parent's business.
func KillAll(t testing.TB, dirs []string, pids ...int) {
	t.Helper()
	self := os.Getpid()
	deadline := time.Now().Add(time.Minute)
	for {
		all := Procs(func(p Proc) bool { return p.PID != self && !p.Gone() })
		targets := map[int]bool{}
		for _, p := range all {
			if slices.Contains(pids, p.PID) || InDir(p, dirs...) {
				targets[p.PID] = true
			}
		}
		if len(targets) == 0 {
			return
		}
		for pid := range targets {
			syscall.Kill(pid, syscall.SIGSTOP)
		}
		// Now that they are stopped, their children are all there to see.
		for grew := true; grew; {
			grew = false
			for _, p := range Procs(func(p Proc) bool { return p.PID != self && !p.Gone() }) {
				if targets[p.PPID] && !targets[p.PID] {
					targets[p.PID] = true
					syscall.Kill(p.PID, syscall.SIGSTOP)
					grew = true
				}
			}
		}
		for pid := range targets {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		if !Poll(time.Until(deadline), func() bool {
			for pid := range targets {
				if p, ok := ReadProc(pid); ok && !p.Gone() {
					return false
				}
			}
			return true
		}) {
			var left []string
			for pid := range targets {
				if p, ok := ReadProc(pid); ok && !p.Gone() {
					left = append(left, fmt.Sprintf("%d %q (%c)", p.PID, p.Argv, p.State))
				}
			}
			t.Errorf("testkit: processes still alive a minute after SIGKILL: %s", strings.Join(left, ", "))
			return
		}
	}
}

// KillAllAtCleanup registers KillAll(t, dirs, pids...) as a cleanup of t.
func KillAllAtCleanup(t testing.TB, dirs []string, pids ...int) {
	t.Cleanup(func() { KillAll(t, dirs, pids...) })
}

// SyscallABI is the architecture (as GOARCH names it) whose system call
// numbers /proc/PID/syscall shows for pid: that of the executable the
// kernel runs for it. Under user-mode emulation (qemu-user through
// binfmt_misc, scripts/emulated-tests.sh) that is the host's, qemu's own,
// whatever the emulated program's architecture; a native C program run
// by an emulated test is the host's too. "" when it cannot be told. (The
// 32- and 64-bit, big- and little-endian variants of a machine share its
// ELF number: each gets the name of the one among scripts/architectures.)
func SyscallABI(pid int) string {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		return ""
	}
	defer f.Close()
	var h [20]byte // e_ident, e_type, e_machine
	if _, err := f.ReadAt(h[:], 0); err != nil || string(h[:4]) != elf.ELFMAG {
		return ""
	}
	order := binary.ByteOrder(binary.LittleEndian)
	if elf.Data(h[elf.EI_DATA]) == elf.ELFDATA2MSB {
		order = binary.BigEndian
	}
	switch elf.Machine(order.Uint16(h[18:])) {
	case elf.EM_X86_64:
		return "amd64"
	case elf.EM_386:
		return "386"
	case elf.EM_AARCH64:
		return "arm64"
	case elf.EM_ARM:
		return "arm"
	case elf.EM_S390:
		return "s390x"
	case elf.EM_PPC64:
		return "ppc64le"
	case elf.EM_MIPS:
		return "mips64le"
	case elf.EM_RISCV:
		return "riscv64"
	case elf.EM_LOONGARCH:
		return "loong64"
	}
	return ""
}
