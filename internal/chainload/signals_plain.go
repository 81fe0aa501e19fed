//go:build !(dtgo_rtsig && linux && (amd64 || arm64))

package chainload

func restoreSignals() {}
