//go:build linux && arm64

#include "textflag.h"

// func rawVfork(flags uintptr) (pid uintptr, err uintptr)
//
// clone(flags, 0, 0, 0, 0) for flags with CLONE_VM|CLONE_VFORK: the child
// runs on this very stack until it execs. The return address stays in the
// link register (NOFRAME: this function never stores it on the stack), so
// what the child writes on the stack cannot change where we return to
// (package syscall's rawVforkSyscall does the same).
TEXT ·rawVfork(SB),NOSPLIT|NOFRAME,$0-24
	MOVD	flags+0(FP), R0
	MOVD	$0, R1
	MOVD	$0, R2
	MOVD	$0, R3
	MOVD	$0, R4
	MOVD	$220, R8	// SYS_clone
	SVC
	CMN	$4095, R0
	BCC	ok
	MOVD	$-1, R4
	MOVD	R4, pid+8(FP)
	NEG	R0, R0
	MOVD	R0, err+16(FP)
	RET
ok:
	MOVD	R0, pid+8(FP)
	MOVD	ZR, err+16(FP)
	RET
