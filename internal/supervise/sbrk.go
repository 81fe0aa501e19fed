//go:build !goexperiment.randomizedheapbase64

package supervise

// This build has no randomised heap base, so supervise runs with
// GODEBUG=sbrk=1 (see reexec.go and sbrk_randomized.go).
var sbrkSettings = []runtimeSetting{
	// Later GODEBUG settings override earlier ones, so sbrk=1 goes last.
	{"GODEBUG=", "DAEMONTOOLS_GO_SUPERVISE_GODEBUG=", func(orig string) string {
		if orig == "" {
			return "sbrk=1"
		}
		return orig + ",sbrk=1"
	}},
}
