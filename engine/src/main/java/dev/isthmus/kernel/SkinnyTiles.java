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
     * {@code out[4 i + j] = sum_p A[ai + p] B[bj + p]} for the 4 rows of A at element offsets {@code ar}
     * and the 4 rows of B at {@code br}, {@code p < k}.
     */
    static void dot(int k, MemorySegment a, long[] ar, MemorySegment b, long[] br, float[] out) {
        long a0 = ar[0] * 4, a1 = ar[1] * 4, a2 = ar[2] * 4, a3 = ar[3] * 4;
        long b0 = br[0] * 4, b1 = br[1] * 4, b2 = br[2] * 4, b3 = br[3] * 4;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        long end = (long) (k - k % L) * 4;
        for (long p = 0; p < end; p += VB) {
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
        out[0] = Lanes.sum(c00); out[1] = Lanes.sum(c01); out[2] = Lanes.sum(c02); out[3] = Lanes.sum(c03);
        out[4] = Lanes.sum(c10); out[5] = Lanes.sum(c11); out[6] = Lanes.sum(c12); out[7] = Lanes.sum(c13);
        out[8] = Lanes.sum(c20); out[9] = Lanes.sum(c21); out[10] = Lanes.sum(c22); out[11] = Lanes.sum(c23);
        out[12] = Lanes.sum(c30); out[13] = Lanes.sum(c31); out[14] = Lanes.sum(c32); out[15] = Lanes.sum(c33);
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
     * are stored; {@code beta == 0} never reads C.
     */
    static void axpy(int p0, int p1, MemorySegment a, long[] ar, long aStep, MemorySegment b, long bAt, long ldb,
                     MemorySegment c, long[] cr, int rows, float alpha, float beta) {
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
        storeRow(c, cr[0], c00, c01, c02, c03, alpha, beta);
        if (rows > 1) {
            storeRow(c, cr[1], c10, c11, c12, c13, alpha, beta);
        }
        if (rows > 2) {
            storeRow(c, cr[2], c20, c21, c22, c23, alpha, beta);
        }
        if (rows > 3) {
            storeRow(c, cr[3], c30, c31, c32, c33, alpha, beta);
        }
    }

    /**
     * {@link #axpy} for the last {@code width < WIDTH} columns: one vector at a time, the last one masked,
     * with the same sums in the same order per element.
     */
    static void axpyEdge(int p0, int p1, MemorySegment a, long[] ar, long aStep, MemorySegment b, long bAt, long ldb,
                         MemorySegment c, long[] cr, int rows, int width, float alpha, float beta) {
        for (int v = 0; v < width; v += L) {
            VectorMask<Float> m = S.indexInRange(v, width);
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
            for (int p = p0; p < p1; p++) {
                long bp = (bAt + p * ldb + v) * 4;
                long ap = p * aStep;
                FloatVector w = FloatVector.fromMemorySegment(S, b, bp, LE, m);
                c0 = FloatVector.broadcast(S, a.getAtIndex(F, ar[0] + ap)).fma(w, c0);
                c1 = FloatVector.broadcast(S, a.getAtIndex(F, ar[1] + ap)).fma(w, c1);
                c2 = FloatVector.broadcast(S, a.getAtIndex(F, ar[2] + ap)).fma(w, c2);
                c3 = FloatVector.broadcast(S, a.getAtIndex(F, ar[3] + ap)).fma(w, c3);
            }
            storeMasked(c, (cr[0] + v) * 4, c0, alpha, beta, m);
            if (rows > 1) {
                storeMasked(c, (cr[1] + v) * 4, c1, alpha, beta, m);
            }
            if (rows > 2) {
                storeMasked(c, (cr[2] + v) * 4, c2, alpha, beta, m);
            }
            if (rows > 3) {
                storeMasked(c, (cr[3] + v) * 4, c3, alpha, beta, m);
            }
        }
    }

    private static void storeMasked(MemorySegment c, long at, FloatVector acc, float alpha, float beta,
                                    VectorMask<Float> m) {
        FloatVector y = acc.mul(alpha);
        if (beta != 0f) {
            y = FloatVector.fromMemorySegment(S, c, at, LE, m).mul(beta).add(y);
        }
        y.intoMemorySegment(c, at, LE, m);
    }

    private static void storeRow(MemorySegment c, long row, FloatVector v0, FloatVector v1, FloatVector v2,
                                 FloatVector v3, float alpha, float beta) {
        long at = row * 4;
        store(c, at, v0, alpha, beta);
        store(c, at + VB, v1, alpha, beta);
        store(c, at + 2 * VB, v2, alpha, beta);
        store(c, at + 3 * VB, v3, alpha, beta);
    }

    private static void store(MemorySegment c, long at, FloatVector acc, float alpha, float beta) {
        FloatVector y = acc.mul(alpha);
        if (beta != 0f) {
            y = FloatVector.fromMemorySegment(S, c, at, LE).mul(beta).add(y);
        }
        y.intoMemorySegment(c, at, LE);
    }
}
