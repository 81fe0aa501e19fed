#include "textflag.h"

// The entry step of the release build on arm64 (see the package comment
// and entry_amd64.s, whose contract this follows): the first instructions
// of the program, before the Go runtime. For each resource:
// prlimit64(0, RES, NULL, &saved[i]); when that succeeds, savedOK[i] = 1
// and, but for the open-files limit (the runtime raises it itself),
// prlimit64(0, RES, &{max, max}, NULL). Then entered = 1 and on to the
// runtime's entry, _rt0_arm64_linux, which takes argc and argv from the
// stack: the stack pointer is left as the kernel set it, and only
// registers the runtime's entry does not read are used (R0-R9, R30, the
// link register of the calls to save<>).
//
// A system call on arm64 takes its number in R8 and its arguments in
// R0-R5, and returns in R0; it keeps every other register.

#define SYS_prlimit64 261
#define SYS_write 64
#define SYS_exit_group 94

// As on amd64 (entry_amd64.s): hard limits below which the runtime
// certainly cannot start. Measured on arm64 (Debian 12's kernel, the
// arm64 VM test): a program built without this step needs about
// 720000000 bytes of address space and 42000000 of data, as on amd64.
#define AS_FLOOR 600000000
#define DATA_FLOOR 36000000

// save<> saves the limit on resource R1 in the Rlimit at R3 and, when
// that worked, sets the word at R5 to 1 and, when R6 is not 0, raises the
// soft limit to the hard one.
TEXT save<>(SB),NOSPLIT|NOFRAME,$0
	MOVD	$0, R0	// this process
	MOVD	$0, R2	// no new limit
	MOVD	$SYS_prlimit64, R8
	SVC
	CBNZ	R0, done
	MOVD	$1, R4
	MOVD	R4, (R5)
	CBZ	R6, done
	MOVD	8(R3), R4	// the hard limit
	MOVD	$·scratch(SB), R2
	MOVD	R4, 0(R2)
	MOVD	R4, 8(R2)
	MOVD	$0, R0
	MOVD	$0, R3	// the old limit is not wanted
	MOVD	$SYS_prlimit64, R8
	SVC
done:
	RET

TEXT _dtgo_rt0(SB),NOSPLIT|NOFRAME,$0
	MOVD	$9, R1	// RLIMIT_AS
	MOVD	$·saved+0(SB), R3
	MOVD	$·savedOK+0(SB), R5
	MOVD	$1, R6
	BL	save<>(SB)
	MOVD	$2, R1	// RLIMIT_DATA
	MOVD	$·saved+16(SB), R3
	MOVD	$·savedOK+8(SB), R5
	MOVD	$1, R6
	BL	save<>(SB)
	MOVD	$3, R1	// RLIMIT_STACK
	MOVD	$·saved+32(SB), R3
	MOVD	$·savedOK+16(SB), R5
	MOVD	$1, R6
	BL	save<>(SB)
	MOVD	$7, R1	// RLIMIT_NOFILE: saved only
	MOVD	$·saved+48(SB), R3
	MOVD	$·savedOK+24(SB), R5
	MOVD	$0, R6
	BL	save<>(SB)

	MOVD	·savedOK+0(SB), R4
	CMP	$1, R4
	BNE	data
	MOVD	·saved+8(SB), R4	// the hard limit on address space
	MOVD	$AS_FLOOR, R5
	CMP	R5, R4
	BHS	data
	MOVD	$·hardASMessage(SB), R9
	B	hardfail<>(SB)
data:
	MOVD	·savedOK+8(SB), R4
	CMP	$1, R4
	BNE	start
	MOVD	·saved+24(SB), R4	// the hard limit on data
	MOVD	$DATA_FLOOR, R5
	CMP	R5, R4
	BHS	start
	MOVD	$·hardDataMessage(SB), R9
	B	hardfail<>(SB)
start:
	MOVD	$1, R4
	MOVD	R4, ·entered(SB)
	MOVD	$0, R30
	B	_rt0_arm64_linux(SB)

// hardfail writes the base name of argv[0] and the message (a Go string
// whose header is at R9) to descriptor 2 and exits 111.
TEXT hardfail<>(SB),NOSPLIT|NOFRAME,$0
	MOVD	0(RSP), R4	// argc
	CBZ	R4, message
	MOVD	8(RSP), R1	// argv[0]
	MOVD	R1, R7	// where its base name starts
scan:
	MOVBU	(R1), R4
	CBZ	R4, name
	CMP	$'/', R4
	BNE	next
	ADD	$1, R1, R7
next:
	ADD	$1, R1
	B	scan
name:
	SUB	R7, R1, R2	// the base name's length
	MOVD	R7, R1
	MOVD	$2, R0
	MOVD	$SYS_write, R8
	SVC
message:
	MOVD	0(R9), R1
	MOVD	8(R9), R2
	MOVD	$2, R0
	MOVD	$SYS_write, R8
	SVC
	MOVD	$111, R0
	MOVD	$SYS_exit_group, R8
	SVC
	B	message
