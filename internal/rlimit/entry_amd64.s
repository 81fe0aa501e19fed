#include "textflag.h"

// The entry step of the release build (see the package comment): the
// first instructions of the program, before the Go runtime. For each
// resource: prlimit64(0, RES, NULL, &saved[i]); when that succeeds,
// savedOK[i] = 1 and, but for the open-files limit (the runtime raises it
// itself), prlimit64(0, RES, &{max, max}, NULL). Then entered = 1 and on
// to the runtime's entry. Only registers the runtime's entry
// does not read are used (it takes argc and argv from the stack), and
// the stack is left as the kernel made it.

#define SYS_prlimit64 302

#define SAVE(RES, I) \
	MOVQ	$SYS_prlimit64, AX; \
	XORQ	DI, DI; \
	MOVQ	$RES, SI; \
	XORQ	DX, DX; \
	LEAQ	·saved+(16*I)(SB), R10; \
	SYSCALL; \
	CMPQ	AX, $0; \
	JNE	2(PC); \
	MOVQ	$1, ·savedOK+(8*I)(SB)

#define SAVE_AND_RAISE(RES, I) \
	MOVQ	$SYS_prlimit64, AX; \
	XORQ	DI, DI; \
	MOVQ	$RES, SI; \
	XORQ	DX, DX; \
	LEAQ	·saved+(16*I)(SB), R10; \
	SYSCALL; \
	CMPQ	AX, $0; \
	JNE	3(PC); \
	MOVQ	$1, ·savedOK+(8*I)(SB); \
	CALL	raise<>(SB)

// raise<> sets the soft limit of resource SI to the hard limit at R10+8.
TEXT raise<>(SB),NOSPLIT|NOFRAME,$0
	MOVQ	8(R10), BX
	MOVQ	BX, ·scratch(SB)
	MOVQ	BX, ·scratch+8(SB)
	MOVQ	$SYS_prlimit64, AX
	XORQ	DI, DI
	LEAQ	·scratch(SB), DX
	XORQ	R10, R10
	SYSCALL
	RET

TEXT _dtgo_rt0(SB),NOSPLIT|NOFRAME,$0
	SAVE_AND_RAISE(9, 0)	// RLIMIT_AS
	SAVE_AND_RAISE(2, 1)	// RLIMIT_DATA
	SAVE_AND_RAISE(3, 2)	// RLIMIT_STACK
	SAVE(7, 3)	// RLIMIT_NOFILE
	MOVQ	$1, ·entered(SB)
	JMP	_rt0_amd64_linux(SB)
