package dev.isthmus.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The register-tiled micro-kernel of {@link VectorGemm}: one {@link #MR} x {@link #NR} tile of C from a
 * packed micro-panel of op(A) ({@code MR} values per k step) and one of op(B) ({@code NR} values per k
 * step, {@link #NV} vectors).
 *
 * <p>Each k step loads {@code NV} vectors of B, broadcasts each of the {@code MR} values of A and
 * accumulates {@code MR * NV} outer-product FMAs in registers: 12 accumulators, 2 B vectors and one
 * broadcast fit the 16 vector registers of AVX2 (and leave room on AVX-512, where vectors are twice as
 * wide). {@link #multiply} leaves the accumulators in a per-thread tile buffer, and {@link #store} (or,
 * where the tile is cut by the edge of C, the masked {@link #storeEdge}) writes
 * {@code C = alpha * acc + beta * C}; the extra round trip through L1 costs about 1% at {@code kc = 512}.
 */
final class GemmKernel {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Rows of C per tile. */
    static final int MR = 6;
    /** Vectors of C per tile row. */
    static final int NV = 2;
    /** Columns of C per tile. */
    static final int NR = NV * S.length();

    private static final ByteOrder LE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final long VB = S.vectorByteSize();
    private static final long ROW = (long) NR * Float.BYTES;

    private GemmKernel() {
    }

    /**
     * {@code acc = sum_p A[:, p] B[p, :]} over {@code kc} steps, as an {@code MR x NR} row-major tile.
     *
     * <p>This loop is all the kernel does, with no branch in it: a method with vector code that
     * deoptimises falls back to the interpreter, where each vector operation costs microseconds, so
     * the edge and beta cases live in {@link #store} and {@link #storeEdge} instead. It is not unrolled
     * by hand either (that gains about 7% in C2 code): C1 then runs out of registers compiling it, and if
     * the JIT had already given it a tier-2 version, no profile is ever gathered and it stays in slow C1
     * code for good.
     *
     * @param a packed A: {@code kc} groups of {@link #MR} floats starting at byte offset {@code aAt}
     * @param b packed B: {@code kc} groups of {@link #NR} floats starting at byte offset {@code bAt}
     */
    static void multiply(int kc, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        long ap = aAt, bp = bAt;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bp, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bp + VB, LE);
            FloatVector x = FloatVector.broadcast(S, a.get(F, ap));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a.get(F, ap + 4));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a.get(F, ap + 8));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a.get(F, ap + 12));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a.get(F, ap + 16));
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a.get(F, ap + 20));
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            ap += MR * Float.BYTES;
            bp += NR * Float.BYTES;
        }
        c00.intoMemorySegment(acc, 0, LE);
        c01.intoMemorySegment(acc, VB, LE);
        c10.intoMemorySegment(acc, ROW, LE);
        c11.intoMemorySegment(acc, ROW + VB, LE);
        c20.intoMemorySegment(acc, 2 * ROW, LE);
        c21.intoMemorySegment(acc, 2 * ROW + VB, LE);
        c30.intoMemorySegment(acc, 3 * ROW, LE);
        c31.intoMemorySegment(acc, 3 * ROW + VB, LE);
        c40.intoMemorySegment(acc, 4 * ROW, LE);
        c41.intoMemorySegment(acc, 4 * ROW + VB, LE);
        c50.intoMemorySegment(acc, 5 * ROW, LE);
        c51.intoMemorySegment(acc, 5 * ROW + VB, LE);
    }

    /**
     * {@code C = alpha * acc + beta * C} for a whole {@code MR x NR} tile at byte offset {@code cAt}, rows
     * {@code ldcBytes} apart. If {@code beta == 0}, C is only written, never read, so NaNs in it vanish.
     */
    static void store(MemorySegment acc, MemorySegment c, long cAt, long ldcBytes, float alpha, float beta) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int i = 0; i < MR * NR; i += S.length()) {
            long at = cAt + (i / NR) * ldcBytes + (long) (i % NR) * Float.BYTES;
            FloatVector v = FloatVector.fromMemorySegment(S, acc, (long) i * Float.BYTES, LE);
            v = beta == 0f ? v.mul(va) : v.fma(va, FloatVector.fromMemorySegment(S, c, at, LE).mul(beta));
            v.intoMemorySegment(c, at, LE);
        }
    }

    /** {@link #store} for the top-left {@code mr x nr} of the tile, where the tile crosses the edge of C. */
    static void storeEdge(MemorySegment acc, MemorySegment c, long cAt, long ldcBytes, int mr, int nr, float alpha, float beta) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int v = 0; v < nr; v += S.length()) {
            var mask = S.indexInRange(v, nr);
            long at = cAt + (long) v * Float.BYTES, from = (long) v * Float.BYTES;
            for (int i = 0; i < mr; i++, at += ldcBytes, from += ROW) {
                FloatVector x = FloatVector.fromMemorySegment(S, acc, from, LE);
                x = beta == 0f ? x.mul(va) : x.fma(va, FloatVector.fromMemorySegment(S, c, at, LE, mask).mul(beta));
                x.intoMemorySegment(c, at, LE, mask);
            }
        }
    }
}
