// gort_amd64.s — the few instructions the gort producer needs that Go cannot express: the
// TSC scaled to nanoseconds in 128-bit arithmetic, a store the compiler keeps in program
// order without Go's XCHG, and the caller's frame pointer for stack walks. All NOSPLIT with
// no frame: callable from any runtime context.

//go:build linux && amd64

#include "textflag.h"

// func gortTSCNs(tsc0, mult uint64, shift uint32) uint64
// ((rdtsc - tsc0) * mult) >> shift, with the product in 128 bits; 0 before tsc0.
TEXT ·gortTSCNs(SB),NOSPLIT,$0-32
	RDTSC
	SHLQ	$32, DX
	ORQ	DX, AX
	SUBQ	tsc0+0(FP), AX
	JCS	early
	MOVQ	mult+8(FP), BX
	MULQ	BX
	MOVL	shift+16(FP), CX
	SHRQ	CX, DX, AX
	MOVQ	AX, ret+24(FP)
	RET
early:
	MOVQ	$0, ret+24(FP)
	RET

// func gortStoreRel(p *uint64, v uint64)
TEXT ·gortStoreRel(SB),NOSPLIT,$0-16
	MOVQ	p+0(FP), BX
	MOVQ	v+8(FP), AX
	MOVQ	AX, 0(BX)
	RET

// func gortFP() uintptr
// With no frame of its own, BP is still the frame pointer of the Go function that called it.
TEXT ·gortFP(SB),NOSPLIT,$0-8
	MOVQ	BP, ret+0(FP)
	RET
