//go:build amd64 && !purego

#include "textflag.h"

// HSUM leaves in the low lane of Xr the sum of the four lanes of Yr
// (X12 is clobbered).
#define HSUM(Yr, Xr) \
	VEXTRACTF128 $1, Yr, X12; \
	VADDPD X12, Xr, Xr; \
	VHADDPD Xr, Xr, Xr

// The loop bodies of the tiles, one iteration each, shared by the loops with
// and without prefetching (AX is the byte offset of the rows).

// DOT2X3_STEP: eight rows of dot2x3FMA (two groups of four).
#define DOT2X3_STEP \
	VMOVUPD (SI)(AX*1), Y12; \
	VMOVUPD (DI)(AX*1), Y13; \
	VMOVUPD (R8)(AX*1), Y14; \
	VFMADD231PD Y14, Y12, Y0; \
	VFMADD231PD Y14, Y13, Y3; \
	VMOVUPD (R9)(AX*1), Y15; \
	VFMADD231PD Y15, Y12, Y1; \
	VFMADD231PD Y15, Y13, Y4; \
	VMOVUPD (R10)(AX*1), Y14; \
	VFMADD231PD Y14, Y12, Y2; \
	VFMADD231PD Y14, Y13, Y5; \
	VMOVUPD 32(SI)(AX*1), Y12; \
	VMOVUPD 32(DI)(AX*1), Y13; \
	VMOVUPD 32(R8)(AX*1), Y14; \
	VFMADD231PD Y14, Y12, Y6; \
	VFMADD231PD Y14, Y13, Y9; \
	VMOVUPD 32(R9)(AX*1), Y15; \
	VFMADD231PD Y15, Y12, Y7; \
	VFMADD231PD Y15, Y13, Y10; \
	VMOVUPD 32(R10)(AX*1), Y14; \
	VFMADD231PD Y14, Y12, Y8; \
	VFMADD231PD Y14, Y13, Y11;

// DOT2X1_STEP: sixteen rows of dot2x1FMA (four groups of four).
#define DOT2X1_STEP \
	VMOVUPD (R8)(AX*1), Y8; \
	VMOVUPD 32(R8)(AX*1), Y9; \
	VMOVUPD 64(R8)(AX*1), Y10; \
	VMOVUPD 96(R8)(AX*1), Y11; \
	VFMADD231PD (SI)(AX*1), Y8, Y0; \
	VFMADD231PD (DI)(AX*1), Y8, Y1; \
	VFMADD231PD 32(SI)(AX*1), Y9, Y2; \
	VFMADD231PD 32(DI)(AX*1), Y9, Y3; \
	VFMADD231PD 64(SI)(AX*1), Y10, Y4; \
	VFMADD231PD 64(DI)(AX*1), Y10, Y5; \
	VFMADD231PD 96(SI)(AX*1), Y11, Y6; \
	VFMADD231PD 96(DI)(AX*1), Y11, Y7;

// DOT2X2_STEP: eight rows of dot2x2FMA (two groups of four).
#define DOT2X2_STEP \
	VMOVUPD (SI)(AX*1), Y8; \
	VMOVUPD (DI)(AX*1), Y9; \
	VMOVUPD (R8)(AX*1), Y10; \
	VMOVUPD (R9)(AX*1), Y11; \
	VFMADD231PD Y10, Y8, Y0; \
	VFMADD231PD Y11, Y8, Y1; \
	VFMADD231PD Y10, Y9, Y2; \
	VFMADD231PD Y11, Y9, Y3; \
	VMOVUPD 32(SI)(AX*1), Y12; \
	VMOVUPD 32(DI)(AX*1), Y13; \
	VMOVUPD 32(R8)(AX*1), Y14; \
	VMOVUPD 32(R9)(AX*1), Y15; \
	VFMADD231PD Y14, Y12, Y4; \
	VFMADD231PD Y15, Y12, Y5; \
	VFMADD231PD Y14, Y13, Y6; \
	VFMADD231PD Y15, Y13, Y7;

// func dot2x3FMA(a0, a1, b0, b1, b2 *float64, n int, out *[6]float64, pf *float64)
//
// out = {a0·b0, a0·b1, a0·b2, a1·b0, a1·b1, a1·b2} over the first n rows,
// n a multiple of 8. Two groups of four rows per iteration, twelve
// accumulators (Y0–Y11): enough independent FMA chains to hide the FMA
// latency; the b columns go through one register (renamed by the CPU).
// Unless pf is nil, each iteration also prefetches one cache line of the n
// values at pf (the next sub-block's column), so that reading it from memory
// overlaps this computation.
TEXT ·dot2x3FMA(SB), NOSPLIT, $0-64
	MOVQ a0+0(FP), SI
	MOVQ a1+8(FP), DI
	MOVQ b0+16(FP), R8
	MOVQ b1+24(FP), R9
	MOVQ b2+32(FP), R10
	MOVQ n+40(FP), CX
	MOVQ out+48(FP), DX
	MOVQ pf+56(FP), R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	XORQ AX, AX
	SHRQ $3, CX
	JZ   done
	TESTQ R11, R11
	JZ   loop

pfloop:
	PREFETCHT0 (R11)(AX*1)
	DOT2X3_STEP

	ADDQ $64, AX
	DECQ CX
	JNZ  pfloop
	JMP  done

loop:
	DOT2X3_STEP

	ADDQ $64, AX
	DECQ CX
	JNZ  loop

done:
	VADDPD Y6, Y0, Y0
	VADDPD Y7, Y1, Y1
	VADDPD Y8, Y2, Y2
	VADDPD Y9, Y3, Y3
	VADDPD Y10, Y4, Y4
	VADDPD Y11, Y5, Y5

	HSUM(Y0, X0)
	VMOVSD X0, 0(DX)
	HSUM(Y1, X1)
	VMOVSD X1, 8(DX)
	HSUM(Y2, X2)
	VMOVSD X2, 16(DX)
	HSUM(Y3, X3)
	VMOVSD X3, 24(DX)
	HSUM(Y4, X4)
	VMOVSD X4, 32(DX)
	HSUM(Y5, X5)
	VMOVSD X5, 40(DX)
	VZEROUPPER
	RET

// func sumAVX(x *float64, n int) float64
//
// Σ x over the first n values, n a multiple of 16: four accumulators of
// four lanes.
TEXT ·sumAVX(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	SHRQ $4, CX
	JZ   sumdone

sumloop:
	VADDPD 0(SI), Y0, Y0
	VADDPD 32(SI), Y1, Y1
	VADDPD 64(SI), Y2, Y2
	VADDPD 96(SI), Y3, Y3
	ADDQ $128, SI
	DECQ CX
	JNZ  sumloop

sumdone:
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y2, Y0, Y0
	HSUM(Y0, X0)
	VMOVSD X0, ret+16(FP)
	VZEROUPPER
	RET

// func centreAVX(c, x *float64, n int, m float64) float64
//
// c = x - m over the first n values (n a multiple of 16); returns Σ c.
TEXT ·centreAVX(SB), NOSPLIT, $0-40
	MOVQ c+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD m+24(FP), Y8
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	SHRQ $4, CX
	JZ   centredone

centreloop:
	VMOVUPD 0(SI), Y4
	VMOVUPD 32(SI), Y5
	VMOVUPD 64(SI), Y6
	VMOVUPD 96(SI), Y7
	VSUBPD Y8, Y4, Y4
	VSUBPD Y8, Y5, Y5
	VSUBPD Y8, Y6, Y6
	VSUBPD Y8, Y7, Y7
	VMOVUPD Y4, 0(DI)
	VMOVUPD Y5, 32(DI)
	VMOVUPD Y6, 64(DI)
	VMOVUPD Y7, 96(DI)
	VADDPD Y4, Y0, Y0
	VADDPD Y5, Y1, Y1
	VADDPD Y6, Y2, Y2
	VADDPD Y7, Y3, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  centreloop

centredone:
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y2, Y0, Y0
	HSUM(Y0, X0)
	VMOVSD X0, ret+32(FP)
	VZEROUPPER
	RET

// func centreWAVX(c, wc, x, w *float64, n int, m float64) float64
//
// c = x - m, wc = w∘c over the first n values (n a multiple of 8); returns
// Σ wc.
TEXT ·centreWAVX(SB), NOSPLIT, $0-56
	MOVQ c+0(FP), DI
	MOVQ wc+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ w+24(FP), R9
	MOVQ n+32(FP), CX
	VBROADCASTSD m+40(FP), Y8
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ AX, AX
	SHRQ $3, CX
	JZ   centrewdone

centrewloop:
	VMOVUPD (SI)(AX*1), Y4
	VMOVUPD 32(SI)(AX*1), Y5
	VSUBPD Y8, Y4, Y4
	VSUBPD Y8, Y5, Y5
	VMOVUPD Y4, (DI)(AX*1)
	VMOVUPD Y5, 32(DI)(AX*1)
	VMULPD (R9)(AX*1), Y4, Y6
	VMULPD 32(R9)(AX*1), Y5, Y7
	VMOVUPD Y6, (R8)(AX*1)
	VMOVUPD Y7, 32(R8)(AX*1)
	VADDPD Y6, Y0, Y0
	VADDPD Y7, Y1, Y1
	ADDQ $64, AX
	DECQ CX
	JNZ  centrewloop

centrewdone:
	VADDPD Y1, Y0, Y0
	HSUM(Y0, X0)
	VMOVSD X0, ret+48(FP)
	VZEROUPPER
	RET

// func dot1FMA(a, b *float64, n int) float64
//
// a·b over the first n rows, n a multiple of 16: four accumulators.
TEXT ·dot1FMA(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ AX, AX
	SHRQ $4, CX
	JZ   dot1done

dot1loop:
	VMOVUPD (SI)(AX*1), Y4
	VMOVUPD 32(SI)(AX*1), Y5
	VMOVUPD 64(SI)(AX*1), Y6
	VMOVUPD 96(SI)(AX*1), Y7
	VFMADD231PD (DI)(AX*1), Y4, Y0
	VFMADD231PD 32(DI)(AX*1), Y5, Y1
	VFMADD231PD 64(DI)(AX*1), Y6, Y2
	VFMADD231PD 96(DI)(AX*1), Y7, Y3
	ADDQ $128, AX
	DECQ CX
	JNZ  dot1loop

dot1done:
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y2, Y0, Y0
	HSUM(Y0, X0)
	VMOVSD X0, ret+24(FP)
	VZEROUPPER
	RET

// func dot2x1FMA(a0, a1, b0 *float64, n int, out *[2]float64, pf *float64)
//
// out = {a0·b0, a1·b0} over the first n rows, n a multiple of 16: four
// groups of four rows per iteration, eight accumulators. Unless pf is nil,
// prefetches the n values at pf (two cache lines per iteration).
TEXT ·dot2x1FMA(SB), NOSPLIT, $0-48
	MOVQ a0+0(FP), SI
	MOVQ a1+8(FP), DI
	MOVQ b0+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ out+32(FP), DX
	MOVQ pf+40(FP), R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ AX, AX
	SHRQ $4, CX
	JZ   dot21done
	TESTQ R11, R11
	JZ   dot21loop

dot21pfloop:
	PREFETCHT0 (R11)(AX*1)
	PREFETCHT0 64(R11)(AX*1)
	DOT2X1_STEP

	ADDQ $128, AX
	DECQ CX
	JNZ  dot21pfloop
	JMP  dot21done


dot21loop:
	DOT2X1_STEP

	ADDQ $128, AX
	DECQ CX
	JNZ  dot21loop

dot21done:
	VADDPD Y2, Y0, Y0
	VADDPD Y6, Y4, Y4
	VADDPD Y4, Y0, Y0
	VADDPD Y3, Y1, Y1
	VADDPD Y7, Y5, Y5
	VADDPD Y5, Y1, Y1
	HSUM(Y0, X0)
	VMOVSD X0, 0(DX)
	HSUM(Y1, X1)
	VMOVSD X1, 8(DX)
	VZEROUPPER
	RET

// func dot2x2FMA(a0, a1, b0, b1 *float64, n int, out *[4]float64, pf *float64)
//
// out = {a0·b0, a0·b1, a1·b0, a1·b1} over the first n rows, n a multiple
// of 8: two groups of four rows per iteration, eight accumulators. Unless
// pf is nil, prefetches the n values at pf (one cache line per iteration).
TEXT ·dot2x2FMA(SB), NOSPLIT, $0-56
	MOVQ a0+0(FP), SI
	MOVQ a1+8(FP), DI
	MOVQ b0+16(FP), R8
	MOVQ b1+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ out+40(FP), DX
	MOVQ pf+48(FP), R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ AX, AX
	SHRQ $3, CX
	JZ   dot22done
	TESTQ R11, R11
	JZ   dot22loop

dot22pfloop:
	PREFETCHT0 (R11)(AX*1)
	DOT2X2_STEP

	ADDQ $64, AX
	DECQ CX
	JNZ  dot22pfloop
	JMP  dot22done


dot22loop:
	DOT2X2_STEP

	ADDQ $64, AX
	DECQ CX
	JNZ  dot22loop

dot22done:
	VADDPD Y4, Y0, Y0
	VADDPD Y5, Y1, Y1
	VADDPD Y6, Y2, Y2
	VADDPD Y7, Y3, Y3
	HSUM(Y0, X0)
	VMOVSD X0, 0(DX)
	HSUM(Y1, X1)
	VMOVSD X1, 8(DX)
	HSUM(Y2, X2)
	VMOVSD X2, 16(DX)
	HSUM(Y3, X3)
	VMOVSD X3, 24(DX)
	VZEROUPPER
	RET

// func finiteAVX(x *float64, n int) float64
//
// Σ (x - x) over the first n values, n a multiple of 16: 0 when they are
// all finite, NaN otherwise.
TEXT ·finiteAVX(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	SHRQ $4, CX
	JZ   finitedone

finiteloop:
	VMOVUPD 0(SI), Y4
	VMOVUPD 32(SI), Y5
	VMOVUPD 64(SI), Y6
	VMOVUPD 96(SI), Y7
	VSUBPD Y4, Y4, Y4
	VSUBPD Y5, Y5, Y5
	VSUBPD Y6, Y6, Y6
	VSUBPD Y7, Y7, Y7
	VADDPD Y4, Y0, Y0
	VADDPD Y5, Y1, Y1
	VADDPD Y6, Y2, Y2
	VADDPD Y7, Y3, Y3
	ADDQ $128, SI
	DECQ CX
	JNZ  finiteloop

finitedone:
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y2, Y0, Y0
	HSUM(Y0, X0)
	VMOVSD X0, ret+16(FP)
	VZEROUPPER
	RET
