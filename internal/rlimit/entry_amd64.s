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
#define SYS_write 1
#define SYS_exit_group 231

// Hard limits below which the runtime certainly cannot start (it needs
// about 720000000 bytes of address space and 42000000 of data): the
// program says so in daemontools' style and exits 111 instead of dying
// with the runtime's fatal error. Between these and what the runtime
// needs, the runtime's own error remains.
#define AS_FLOOR 600000000
#define DATA_FLOOR 36000000

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
	CMPQ	·savedOK+0(SB), $1
	JNE	data
	MOVQ	·saved+8(SB), AX	// the hard limit on address space
	CMPQ	AX, $AS_FLOOR
	JCC	data
	LEAQ	·hardASMessage(SB), R9
	JMP	hardfail<>(SB)
data:
	CMPQ	·savedOK+8(SB), $1
	JNE	start
	MOVQ	·saved+24(SB), AX	// the hard limit on data
	CMPQ	AX, $DATA_FLOOR
	JCC	start
	LEAQ	·hardDataMessage(SB), R9
	JMP	hardfail<>(SB)
start:
	MOVQ	$1, ·entered(SB)
	JMP	_rt0_amd64_linux(SB)

// hardfail writes the base name of argv[0] and the message (a Go string
// whose header is at R9) to descriptor 2 and exits 111.
TEXT hardfail<>(SB),NOSPLIT|NOFRAME,$0
	MOVQ	0(SP), CX	// argc
	CMPQ	CX, $0
	JEQ	message
	MOVQ	8(SP), DI	// argv[0]
	MOVQ	DI, R8	// where its base name starts
scan:
	MOVB	(DI), AX
	CMPB	AX, $0
	JEQ	name
	CMPB	AX, $'/'
	JNE	2(PC)
	LEAQ	1(DI), R8
	INCQ	DI
	JMP	scan
name:
	MOVQ	DI, DX
	SUBQ	R8, DX
	MOVQ	R8, SI
	MOVQ	$2, DI
	MOVQ	$SYS_write, AX
	SYSCALL
message:
	MOVQ	0(R9), SI
	MOVQ	8(R9), DX
	MOVQ	$2, DI
	MOVQ	$SYS_write, AX
	SYSCALL
	MOVQ	$111, DI
	MOVQ	$SYS_exit_group, AX
	SYSCALL
	JMP	message
