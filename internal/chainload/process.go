package chainload

import "github.com/daemontools-go/daemontools/internal/osfree"

// These programs leave the os package out (see internal/osfree): Args,
// Stderr and Exit stand in for os.Args, os.Stderr and os.Exit.

// Args returns the program's arguments, as os.Args.
func Args() []string { return osfree.Args() }

// Stderr writes to descriptor 2.
var Stderr = osfree.Stderr

// Exit ends the process with code, as os.Exit.
func Exit(code int) { osfree.Exit(code) }
