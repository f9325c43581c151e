// gort_amd64.s — the few instructions the gort producer needs that Go cannot express: the
// TSC scaled to nanoseconds in 128-bit arithmetic, a store the compiler keeps in program
// order without Go's XCHG, and the caller's frame pointer for stack walks. All NOSPLIT with
// no frame, and ABIInternal (arguments and results in registers, as the runtime's Go code
// calls them: no ABI0 wrapper on the hot path); callable from any runtime context.

//go:build linux && amd64

#include "textflag.h"

// func gortTSCNs(tsc0, mult uint64, shift uint32) uint64
// ((rdtsc - tsc0) * mult) >> shift, with the product in 128 bits; 0 before tsc0.
// In: AX tsc0, BX mult, CX shift. Out: AX.
TEXT ·gortTSCNs<ABIInternal>(SB),NOSPLIT,$0-32
	MOVQ	AX, R8
	RDTSC
	SHLQ	$32, DX
	ORQ	DX, AX
	SUBQ	R8, AX
	JCS	early
	MULQ	BX
	SHRQ	CX, DX, AX
	RET
early:
	XORL	AX, AX
	RET

// func gortStoreRel(p *uint64, v uint64)
// In: AX p, BX v.
TEXT ·gortStoreRel<ABIInternal>(SB),NOSPLIT,$0-16
	MOVQ	BX, 0(AX)
	RET

// func gortFP() uintptr
// With no frame of its own, BP is still the frame pointer of the Go function that called it.
TEXT ·gortFP<ABIInternal>(SB),NOSPLIT,$0-8
	MOVQ	BP, AX
	RET
