//go:build goexperiment.randomizedheapbase64

package supervise

// With Go 1.26's randomised heap base (the default, GOEXPERIMENT
// randomizedheapbase64) GODEBUG=sbrk=1 is not safe: the runtime pads the
// first heap chunk it maps with a random number of used pages, up to all
// but one of its 512; under sbrk=1 the first thing taken from that chunk
// is a 4-page signal stack, and when fewer than 4 pages are left the
// runtime dies at start-up ("grew heap, but no adequate free space
// found"), in about 0.6% of starts (measured: 13 in 2000). Without sbrk
// the first allocation there is a single page, which always fits. So
// supervise uses sbrk=1 only in builds with
// GOEXPERIMENT=norandomizedheapbase64.
var sbrkSettings []runtimeSetting
