//go:build !dtgo_faultinject

package supervise

// injectFault is a test hook: see fault_on.go.
func injectFault(byte) {}
