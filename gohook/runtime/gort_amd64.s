// gort_amd64.s — the few instructions the gort producer needs that Go cannot express: the
// TSC scaled to nanoseconds in 128-bit arithmetic, a store the compiler keeps in program
// order without Go's XCHG, the caller's frame pointer for stack walks, and gortFast, the
// producer's usual path whole. All NOSPLIT with no frame, and ABIInternal (arguments and
// results in registers, as the runtime's Go code calls them: no ABI0 wrapper on the hot
// path); callable from any runtime context.
//
// Why gortFast is assembly: it is what every traced map update pays. Written in Go it was
// three functions and three assembly calls (the TSC, the frame pointer, the ordered store),
// each of which makes the compiler spill every live register around it; here it is one call
// whose arguments stay in registers until they are stored. The offsets of the Go structures
// it reads come from go_asm.h, which the compiler writes for this very package, so they cannot
// drift from gort_ring.go; the record's layout comes from gort_format.go (format/gort_record.h).

//go:build linux && amd64

#include "go_asm.h"
#include "textflag.h"

// func gortFast(info, goid, deferID, mapw, a0, a1, dur uint64) bool
// In: AX info, BX goid, CX deferID, DI mapw, SI a0, R8 a1, R9 dur. Out: AX.
// The order is gortRecord's: busy first (a signal handler that emits on this M then sees it),
// then head; the words, the stamp last (RDTSC takes AX and DX, the shift CX: by then their
// values are stored); publish head; not busy.
TEXT ·gortFast<ABIInternal>(SB),NOSPLIT,$0-64
	CMPB	runtime·gortState+gortStateT_fast(SB), $0
	JEQ	no
	MOVQ	g_m(R14), R12
	ADDQ	$m_gort, R12			// this M's producer state (R14 is g)
	CMPL	gortM_busy(R12), $0
	JNE	no
	MOVL	$1, gortM_busy(R12)
	MOVQ	gortM_head(R12), R13
	LEAQ	const_gortW_COUNT(R13), R11	// the head after this record
	CMPQ	R11, gortM_fastEnd(R12)
	JHI	full
	MOVQ	R13, R10
	ANDQ	gortM_mask(R12), R10
	SHLQ	$3, R10
	ADDQ	gortM_words(R12), R10			// the record
	LEAQ	(const_gortW_COUNT*8)(R13), DX	// the line of the record 8 ahead:
	ANDQ	gortM_mask(R12), DX		// PREFETCHW asks for it now, so that its
	SHLQ	$3, DX				// stores find it owned
	ADDQ	gortM_words(R12), DX
	BYTE	$0x0F; BYTE $0x0D; BYTE $0x0A	// PREFETCHW (DX)
	MOVQ	AX, (const_gortW_INFO*8)(R10)
	MOVQ	BX, (const_gortW_GOID*8)(R10)
	MOVQ	CX, (const_gortW_DEFER*8)(R10)
	MOVQ	DI, (const_gortW_MAP*8)(R10)
	MOVQ	SI, (const_gortW_ARG0*8)(R10)
	MOVQ	R8, (const_gortW_ARG1*8)(R10)
	MOVQ	R9, (const_gortW_DUR*8)(R10)
	RDTSC
	SHLQ	$32, DX
	ORQ	DX, AX
	SUBQ	runtime·gortState+gortStateT_tsc0(SB), AX
	JCS	early
	MULQ	runtime·gortState+gortStateT_mult(SB)
	MOVL	runtime·gortState+gortStateT_shift(SB), CX
	SHRQ	CX, DX, AX
stamp:
	MOVQ	gortM_lastTS(R12), DX			// never before the M's last stamp
	CMPQ	AX, DX
	CMOVQCS	DX, AX
	MOVQ	AX, gortM_lastTS(R12)
	MOVQ	AX, (const_gortW_TS*8)(R10)
	MOVQ	R11, gortM_head(R12)
	MOVQ	gortM_ring(R12), DX
	MOVQ	R11, const_gortRing_head(DX)	// publish (a plain store is a release on amd64)
	INCQ	gortM_emitted(R12)
	MOVL	$0, gortM_busy(R12)
	MOVL	$1, AX
	RET
early:
	XORL	AX, AX
	JMP	stamp
full:
	MOVL	$0, gortM_busy(R12)
no:
	XORL	AX, AX
	RET

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

// func gortPublish(p *uint64, v uint64, ahead uintptr)
// In: AX p, BX v, CX ahead. PREFETCHW never faults, wherever ahead points.
TEXT ·gortPublish<ABIInternal>(SB),NOSPLIT,$0-24
	MOVQ	BX, 0(AX)
	BYTE	$0x0F; BYTE $0x0D; BYTE $0x09	// PREFETCHW (CX)
	BYTE	$0x0F; BYTE $0x0D; BYTE $0x49; BYTE $0x40	// PREFETCHW 64(CX)
	RET

// func gortFP() uintptr
// With no frame of its own, BP is still the frame pointer of the Go function that called it.
TEXT ·gortFP<ABIInternal>(SB),NOSPLIT,$0-8
	MOVQ	BP, AX
	RET
