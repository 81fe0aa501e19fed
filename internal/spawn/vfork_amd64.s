//go:build linux && amd64

#include "textflag.h"

// func rawVfork(flags uintptr) (pid uintptr, err uintptr)
//
// clone(flags, 0, 0, 0, 0) for flags with CLONE_VM|CLONE_VFORK: the child
// runs on this very stack until it execs, so the return address is kept
// in a register across the system call, not on the stack the child uses
// (package syscall's rawVforkSyscall does the same).
TEXT ·rawVfork(SB),NOSPLIT|NOFRAME,$0-24
	MOVQ	flags+0(FP), DI
	MOVQ	$0, SI
	MOVQ	$0, DX
	MOVQ	$0, R10
	MOVQ	$0, R8
	MOVQ	$56, AX	// SYS_clone
	POPQ	R12	// preserve return address
	SYSCALL
	PUSHQ	R12
	CMPQ	AX, $0xfffffffffffff001
	JLS	ok
	MOVQ	$-1, pid+8(FP)
	NEGQ	AX
	MOVQ	AX, err+16(FP)
	RET
ok:
	MOVQ	AX, pid+8(FP)
	MOVQ	$0, err+16(FP)
	RET
