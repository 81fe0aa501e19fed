// Package fault holds the fault, load and hostile-input suite: the real
// programs under svscan with their processes killed, their log file system
// filled, their FIFOs and files fed garbage, run as other accounts and
// under other umasks. Its tests are behind the build tag "fault" so that
// the ordinary "go test ./..." does not run them; scripts/fault.sh does:
//
//	go test -count=1 -tags fault -timeout 15m ./internal/fault/...
package fault
