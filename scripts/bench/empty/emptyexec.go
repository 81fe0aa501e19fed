//go:build ignore

// The baseline of the chain-loading tools in the exec benchmarks: an
// empty Go exec wrapper (main only execs /bin/true), built by
// scripts/build.sh like ours, with the same //go:debug lines as every
// program in cmd/. (Built by file name: the ignore tag keeps it out of
// ./...)
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0
package main

import "syscall"

func main() {
	syscall.Exec("/bin/true", []string{"true"}, nil)
}
