//go:build dtgo_faultinject

package supervise

// injectFault, in a test build only (tag dtgo_faultinject), makes the
// control byte '!' a panic in the Machine that reads it: svscan's tests
// check that a fault in the supervision of one service leaves the others
// alone (internal/svscan, tree.go).
func injectFault(c byte) {
	if c == '!' {
		panic("fault injected by the test build")
	}
}
