package dev.isthmus.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The two register tiles of {@link SkinnyGemm}, both 4 x 4 vectors (16 accumulators: a quarter of the
 * register file stays free for operands on AVX-512, and C2 spills a few on AVX2's 16 registers).
 * <ul>
 *   <li>{@link #dot}: 4 rows of A against 4 rows of B, vectors along the shared depth
 *       ({@code C = A B^T}, a fully connected layer's forward), reduced lane by lane at the end;</li>
 *   <li>{@link #axpy}: 4 rows of C, 4 vectors wide: each depth step broadcasts 4 values of op(A) and
 *       multiplies them into 4 vectors of one row of B ({@code C = A B} and {@code C = A^T B}: the two
 *       backward products).</li>
 * </ul>
 * Rows past the end of a matrix are passed as copies of its last row (the caller clamps the offsets) and
 * {@code rows} says how many results to store, so every tile runs the same unrolled code.
 */
final class SkinnyTiles {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Columns of C one {@link #axpy} tile covers. */
    static final int WIDTH = 4 * L;

    private static final ByteOrder LE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final long VB = S.vectorByteSize();

    private SkinnyTiles() {
    }

    /**
     * The vector part of {@code sum_p A[ai + p] B[bj + p]} for the 4 rows of A at element offsets {@code ar}
     * and the 4 rows of B at {@code br}, {@code p} from {@code p0} to {@code p1} (both multiples of L): 16
     * accumulators of lane partial sums, added to those in {@code tile} ({@code 16 L} floats, row i's
     * accumulator j at {@code 4 i + j}; zero it before the first depth block) for {@link #reduce}. Nothing
     * else happens here: a method with 16 live vectors that also calls others runs out of C2's inlining
     * budget, and any vector passed to a method it did not inline is boxed on every iteration.
     */
    static void dot(int p0, int p1, MemorySegment a, long[] ar, MemorySegment b, long[] br, MemorySegment tile,
                    long at) {
        long a0 = ar[0] * 4, a1 = ar[1] * 4, a2 = ar[2] * 4, a3 = ar[3] * 4;
        long b0 = br[0] * 4, b1 = br[1] * 4, b2 = br[2] * 4, b3 = br[3] * 4;
        FloatVector c00 = FloatVector.fromMemorySegment(S, tile, at, LE);
        FloatVector c01 = FloatVector.fromMemorySegment(S, tile, at + VB, LE);
        FloatVector c02 = FloatVector.fromMemorySegment(S, tile, at + 2 * VB, LE);
        FloatVector c03 = FloatVector.fromMemorySegment(S, tile, at + 3 * VB, LE);
        FloatVector c10 = FloatVector.fromMemorySegment(S, tile, at + 4 * VB, LE);
        FloatVector c11 = FloatVector.fromMemorySegment(S, tile, at + 5 * VB, LE);
        FloatVector c12 = FloatVector.fromMemorySegment(S, tile, at + 6 * VB, LE);
        FloatVector c13 = FloatVector.fromMemorySegment(S, tile, at + 7 * VB, LE);
        FloatVector c20 = FloatVector.fromMemorySegment(S, tile, at + 8 * VB, LE);
        FloatVector c21 = FloatVector.fromMemorySegment(S, tile, at + 9 * VB, LE);
        FloatVector c22 = FloatVector.fromMemorySegment(S, tile, at + 10 * VB, LE);
        FloatVector c23 = FloatVector.fromMemorySegment(S, tile, at + 11 * VB, LE);
        FloatVector c30 = FloatVector.fromMemorySegment(S, tile, at + 12 * VB, LE);
        FloatVector c31 = FloatVector.fromMemorySegment(S, tile, at + 13 * VB, LE);
        FloatVector c32 = FloatVector.fromMemorySegment(S, tile, at + 14 * VB, LE);
        FloatVector c33 = FloatVector.fromMemorySegment(S, tile, at + 15 * VB, LE);
        long end = (long) p1 * 4;
        for (long p = (long) p0 * 4; p < end; p += VB) {
            FloatVector x0 = FloatVector.fromMemorySegment(S, a, a0 + p, LE);
            FloatVector x1 = FloatVector.fromMemorySegment(S, a, a1 + p, LE);
            FloatVector x2 = FloatVector.fromMemorySegment(S, a, a2 + p, LE);
            FloatVector x3 = FloatVector.fromMemorySegment(S, a, a3 + p, LE);
            FloatVector w = FloatVector.fromMemorySegment(S, b, b0 + p, LE);
            c00 = x0.fma(w, c00); c10 = x1.fma(w, c10); c20 = x2.fma(w, c20); c30 = x3.fma(w, c30);
            w = FloatVector.fromMemorySegment(S, b, b1 + p, LE);
            c01 = x0.fma(w, c01); c11 = x1.fma(w, c11); c21 = x2.fma(w, c21); c31 = x3.fma(w, c31);
            w = FloatVector.fromMemorySegment(S, b, b2 + p, LE);
            c02 = x0.fma(w, c02); c12 = x1.fma(w, c12); c22 = x2.fma(w, c22); c32 = x3.fma(w, c32);
            w = FloatVector.fromMemorySegment(S, b, b3 + p, LE);
            c03 = x0.fma(w, c03); c13 = x1.fma(w, c13); c23 = x2.fma(w, c23); c33 = x3.fma(w, c33);
        }
        c00.intoMemorySegment(tile, at, LE); c01.intoMemorySegment(tile, at + VB, LE);
        c02.intoMemorySegment(tile, at + 2 * VB, LE); c03.intoMemorySegment(tile, at + 3 * VB, LE);
        c10.intoMemorySegment(tile, at + 4 * VB, LE); c11.intoMemorySegment(tile, at + 5 * VB, LE);
        c12.intoMemorySegment(tile, at + 6 * VB, LE); c13.intoMemorySegment(tile, at + 7 * VB, LE);
        c20.intoMemorySegment(tile, at + 8 * VB, LE); c21.intoMemorySegment(tile, at + 9 * VB, LE);
        c22.intoMemorySegment(tile, at + 10 * VB, LE); c23.intoMemorySegment(tile, at + 11 * VB, LE);
        c30.intoMemorySegment(tile, at + 12 * VB, LE); c31.intoMemorySegment(tile, at + 13 * VB, LE);
        c32.intoMemorySegment(tile, at + 14 * VB, LE); c33.intoMemorySegment(tile, at + 15 * VB, LE);
    }

    /**
     * {@code out[q]} = the lanes of the tile's accumulator q added left to right (the order {@link Lanes#sum}
     * fixes), plus the scalar products of the last {@code k % L} depth steps {@link #dot} left out.
     */
    static void reduce(int k, MemorySegment a, long[] ar, MemorySegment b, long[] br, MemorySegment tile, long at,
                       float[] out) {
        for (int q = 0; q < 16; q++) {
            out[q] = tile.get(F, at + (long) q * L * 4);
        }
        for (int l = 1; l < L; l++) { // 16 independent chains, each lane by lane
            for (int q = 0; q < 16; q++) {
                out[q] += tile.get(F, at + ((long) q * L + l) * 4);
            }
        }
        for (int p = k - k % L; p < k; p++) {
            for (int i = 0; i < 4; i++) {
                float x = a.getAtIndex(F, ar[i] + p);
                for (int j = 0; j < 4; j++) {
                    out[4 * i + j] += x * b.getAtIndex(F, br[j] + p);
                }
            }
        }
    }

    /**
     * {@code C[r, col..col+WIDTH) = alpha * sum_p a(r, p) B[p, col..] + beta * C[r, col..]} for 4 rows r, where
     * {@code a(r, p) = A[ar[r] + p * aStep]} and B's row p starts at {@code bAt + p * ldb} (element offsets),
     * {@code p} from {@code p0} to {@code p1}. C's rows start at {@code cr[r]}; only the first {@code rows}
     * are stored ({@link #merge}, from the accumulators this leaves in {@code tile}).
     */
    static void axpy(int p0, int p1, MemorySegment a, long[] ar, long aStep, MemorySegment b, long bAt, long ldb,
                     MemorySegment tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        long r0 = ar[0], r1 = ar[1], r2 = ar[2], r3 = ar[3];
        for (int p = p0; p < p1; p++) {
            long bp = (bAt + p * ldb) * 4;
            long ap = p * aStep;
            FloatVector w0 = FloatVector.fromMemorySegment(S, b, bp, LE);
            FloatVector w1 = FloatVector.fromMemorySegment(S, b, bp + VB, LE);
            FloatVector w2 = FloatVector.fromMemorySegment(S, b, bp + 2 * VB, LE);
            FloatVector w3 = FloatVector.fromMemorySegment(S, b, bp + 3 * VB, LE);
            FloatVector x = FloatVector.broadcast(S, a.getAtIndex(F, r0 + ap));
            c00 = x.fma(w0, c00); c01 = x.fma(w1, c01); c02 = x.fma(w2, c02); c03 = x.fma(w3, c03);
            x = FloatVector.broadcast(S, a.getAtIndex(F, r1 + ap));
            c10 = x.fma(w0, c10); c11 = x.fma(w1, c11); c12 = x.fma(w2, c12); c13 = x.fma(w3, c13);
            x = FloatVector.broadcast(S, a.getAtIndex(F, r2 + ap));
            c20 = x.fma(w0, c20); c21 = x.fma(w1, c21); c22 = x.fma(w2, c22); c23 = x.fma(w3, c23);
            x = FloatVector.broadcast(S, a.getAtIndex(F, r3 + ap));
            c30 = x.fma(w0, c30); c31 = x.fma(w1, c31); c32 = x.fma(w2, c32); c33 = x.fma(w3, c33);
        }
        c00.intoMemorySegment(tile, 0, LE); c01.intoMemorySegment(tile, VB, LE);
        c02.intoMemorySegment(tile, 2 * VB, LE); c03.intoMemorySegment(tile, 3 * VB, LE);
        c10.intoMemorySegment(tile, 4 * VB, LE); c11.intoMemorySegment(tile, 5 * VB, LE);
        c12.intoMemorySegment(tile, 6 * VB, LE); c13.intoMemorySegment(tile, 7 * VB, LE);
        c20.intoMemorySegment(tile, 8 * VB, LE); c21.intoMemorySegment(tile, 9 * VB, LE);
        c22.intoMemorySegment(tile, 10 * VB, LE); c23.intoMemorySegment(tile, 11 * VB, LE);
        c30.intoMemorySegment(tile, 12 * VB, LE); c31.intoMemorySegment(tile, 13 * VB, LE);
        c32.intoMemorySegment(tile, 14 * VB, LE); c33.intoMemorySegment(tile, 15 * VB, LE);
    }

    /**
     * {@code C[r, v-th vector] = alpha * tile + beta * C} for the first {@code rows} rows at element offsets
     * {@code cr} and {@code vectors} vectors of the tile's rows (4 vectors each), the last one cut to
     * {@code width} columns; {@code beta == 0} never reads C.
     */
    static void merge(MemorySegment tile, MemorySegment c, long[] cr, int rows, int width, float alpha, float beta) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int r = 0; r < rows; r++) {
            for (int v = 0; v * L < width; v++) {
                long at = (cr[r] + (long) v * L) * 4;
                FloatVector x = FloatVector.fromMemorySegment(S, tile, (4L * r + v) * VB, LE).mul(va);
                if ((v + 1) * L <= width) {
                    if (beta != 0f) {
                        x = FloatVector.fromMemorySegment(S, c, at, LE).mul(beta).add(x);
                    }
                    x.intoMemorySegment(c, at, LE);
                } else {
                    VectorMask<Float> m = S.indexInRange(v * L, width);
                    if (beta != 0f) {
                        x = FloatVector.fromMemorySegment(S, c, at, LE, m).mul(beta).add(x);
                    }
                    x.intoMemorySegment(c, at, LE, m);
                }
            }
        }
    }

    /**
     * {@link #axpy} for the last {@code width < WIDTH} columns, one vector at a time with the last one masked
     * (the same sums in the same order per element), into the same tile layout.
     */
    static void axpyEdge(int p0, int p1, MemorySegment a, long[] ar, long aStep, MemorySegment b, long bAt, long ldb,
                         int width, MemorySegment tile) {
        for (int v = 0; v * L < width; v++) {
            VectorMask<Float> m = S.indexInRange(v * L, width);
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
            for (int p = p0; p < p1; p++) {
                long bp = (bAt + p * ldb + (long) v * L) * 4;
                long ap = p * aStep;
                FloatVector w = FloatVector.fromMemorySegment(S, b, bp, LE, m);
                c0 = FloatVector.broadcast(S, a.getAtIndex(F, ar[0] + ap)).fma(w, c0);
                c1 = FloatVector.broadcast(S, a.getAtIndex(F, ar[1] + ap)).fma(w, c1);
                c2 = FloatVector.broadcast(S, a.getAtIndex(F, ar[2] + ap)).fma(w, c2);
                c3 = FloatVector.broadcast(S, a.getAtIndex(F, ar[3] + ap)).fma(w, c3);
            }
            c0.intoMemorySegment(tile, v * VB, LE);
            c1.intoMemorySegment(tile, (4 + v) * VB, LE);
            c2.intoMemorySegment(tile, (8 + v) * VB, LE);
            c3.intoMemorySegment(tile, (12 + v) * VB, LE);
        }
    }
}
