package dev.isthmus.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The engine's one register tile, shared by the GEMM micro-kernel and the direct convolutions: {@link #MR}
 * rows by two vectors ({@link #NR} floats) of accumulators, updated over {@code steps} steps by
 * <pre>  acc[i][0..NR) += e_i(s) * V(s)[0..NR)    for i < MR, s < steps</pre>
 * where {@code V(s)} is two consecutive vectors and {@code e_i(s)} one float, broadcast. Each caller says
 * where step {@code s} finds them: {@code V(s)} at byte {@code vAt + s vStep}, {@code e_i(s)} at byte
 * {@code e_i + s eStep}, and, with a {@code gather} table, {@code 4 gather[s]} more bytes on one side (the
 * image side of a convolution, whose taps are shifted slices of one padded image).
 *
 * <p>12 accumulators, 2 vectors of V and one broadcast fit AVX2's 16 registers and leave room on AVX-512.
 * The loop has no other branch than the loop-invariant gather tests, which C2 hoists out (unswitching), and
 * it is not unrolled by hand: that gained about 7% in C2 code, but C1 then ran out of registers compiling it,
 * and a method the JIT had already given a tier-2 version never gathers a profile and stays in slow C1 code.
 */
public final class RegisterTile {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final long VB = S.vectorByteSize();
    /** Rows of the tile. */
    public static final int MR = 6;
    /** Columns of the tile: two vectors. */
    public static final int NR = 2 * S.length();

    private RegisterTile() {
    }

    /**
     * Runs the tile and writes row {@code i} of it to byte {@code oAt + i ldo} of {@code out}, two vectors;
     * with {@code accumulate} the accumulators start from what is there (so the tile adds to it), else from zero.
     *
     * @param gather        null, or per step a float offset added on the vector side ({@code gatherVectors})
     *                      or on the broadcast side
     * @param e0 .. e5      byte offsets in {@code e} of the six broadcast values of step 0
     */
    public static void fma(int steps, int[] gather, boolean gatherVectors,
                           MemorySegment v, long vAt, long vStep,
                           MemorySegment e, long e0, long e1, long e2, long e3, long e4, long e5, long eStep,
                           MemorySegment out, long oAt, long ldo, boolean accumulate) {
        FloatVector c00 = start(out, oAt, accumulate), c01 = start(out, oAt + VB, accumulate);
        FloatVector c10 = start(out, oAt + ldo, accumulate), c11 = start(out, oAt + ldo + VB, accumulate);
        FloatVector c20 = start(out, oAt + 2 * ldo, accumulate), c21 = start(out, oAt + 2 * ldo + VB, accumulate);
        FloatVector c30 = start(out, oAt + 3 * ldo, accumulate), c31 = start(out, oAt + 3 * ldo + VB, accumulate);
        FloatVector c40 = start(out, oAt + 4 * ldo, accumulate), c41 = start(out, oAt + 4 * ldo + VB, accumulate);
        FloatVector c50 = start(out, oAt + 5 * ldo, accumulate), c51 = start(out, oAt + 5 * ldo + VB, accumulate);
        long va = vAt, es = 0;
        for (int s = 0; s < steps; s++, va += vStep, es += eStep) {
            long vg = va, eg = es;
            if (gather != null) {
                long g = (long) gather[s] * Float.BYTES;
                if (gatherVectors) {
                    vg += g;
                } else {
                    eg += g;
                }
            }
            FloatVector b0 = FloatVector.fromMemorySegment(S, v, vg, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(S, v, vg + VB, NO);
            FloatVector x = FloatVector.broadcast(S, e.get(F, e0 + eg));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, e.get(F, e1 + eg));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, e.get(F, e2 + eg));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, e.get(F, e3 + eg));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, e.get(F, e4 + eg));
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, e.get(F, e5 + eg));
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoMemorySegment(out, oAt, NO);
        c01.intoMemorySegment(out, oAt + VB, NO);
        c10.intoMemorySegment(out, oAt + ldo, NO);
        c11.intoMemorySegment(out, oAt + ldo + VB, NO);
        c20.intoMemorySegment(out, oAt + 2 * ldo, NO);
        c21.intoMemorySegment(out, oAt + 2 * ldo + VB, NO);
        c30.intoMemorySegment(out, oAt + 3 * ldo, NO);
        c31.intoMemorySegment(out, oAt + 3 * ldo + VB, NO);
        c40.intoMemorySegment(out, oAt + 4 * ldo, NO);
        c41.intoMemorySegment(out, oAt + 4 * ldo + VB, NO);
        c50.intoMemorySegment(out, oAt + 5 * ldo, NO);
        c51.intoMemorySegment(out, oAt + 5 * ldo + VB, NO);
    }

    private static FloatVector start(MemorySegment out, long at, boolean accumulate) {
        return accumulate ? FloatVector.fromMemorySegment(S, out, at, NO) : FloatVector.zero(S);
    }
}
