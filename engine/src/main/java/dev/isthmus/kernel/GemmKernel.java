package dev.isthmus.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The micro-kernel of {@link VectorGemm}: one {@link #MR} x {@link #NR} tile of C from a packed micro-panel of
 * op(A) ({@code MR} values per k step) and one of op(B) ({@code NR} values per k step), accumulated by the
 * shared {@link RegisterTile}. {@link #multiply} leaves the accumulators in a per-thread tile buffer, and
 * {@link #store} (or, where the tile is cut by the edge of C, the masked {@link #storeEdge}) writes
 * {@code C = alpha * acc + beta * C}; the extra round trip through L1 costs about 1% at {@code kc = 512}.
 */
final class GemmKernel {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Rows of C per tile. */
    static final int MR = RegisterTile.MR;
    /** Columns of C per tile. */
    static final int NR = RegisterTile.NR;

    private static final ByteOrder LE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final long ROW = (long) NR * Float.BYTES;

    private GemmKernel() {
    }

    /**
     * {@code acc = sum_p A[:, p] B[p, :]} over {@code kc} steps, as an {@code MR x NR} row-major tile.
     *
     * <p>The edge and beta cases live in {@link #store} and {@link #storeEdge}, not in the tile: a method
     * with vector code that deoptimises falls back to the interpreter, where each vector operation costs
     * microseconds, so the tile's loop keeps only its loop-invariant tests.
     *
     * @param a packed A: {@code kc} groups of {@link #MR} floats starting at byte offset {@code aAt}
     * @param b packed B: {@code kc} groups of {@link #NR} floats starting at byte offset {@code bAt}
     */
    static void multiply(int kc, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment acc) {
        RegisterTile.fma(kc, null, false, b, bAt, ROW, a, aAt, aAt + 4, aAt + 8, aAt + 12, aAt + 16, aAt + 20,
                MR * Float.BYTES, acc, 0, ROW, false);
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
