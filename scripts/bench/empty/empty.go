//go:build ignore

// The baseline of the exec benchmarks: an empty Go program, built by
// scripts/build.sh like ours and with the same //go:debug lines as every
// program in cmd/, so that what a program costs above it is the program's
// own doing. (Built by file name: the ignore tag keeps it out of ./...)
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0
package main

func main() {}
