package readproctitle

import "unsafe"

// ArgvTail returns the bytes of the process's last command-line argument
// in the argument area the kernel set up at exec, which is what
// /proc/PID/cmdline and ps(1) read. The Go runtime builds os.Args without
// copying (runtime.goargs uses gostringnocopy), so the string data of
// os.Args[i] is that very memory; writing through the returned slice is
// how 0.76's readproctitle writes argv[argc-1] in place. It returns nil
// when there is no argument after the program name.
func ArgvTail(args []string) []byte {
	if len(args) < 2 {
		return nil
	}
	last := args[len(args)-1]
	if len(last) == 0 {
		return []byte{}
	}
	return unsafe.Slice(unsafe.StringData(last), len(last))
}
