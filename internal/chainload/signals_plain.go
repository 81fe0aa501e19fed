//go:build !dtgo_rtsig

package chainload

func restoreSignals() {}
