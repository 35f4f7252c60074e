package dev.isthmus.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The unpacked path of {@link VectorGemm} for products too small for packing to pay off (a few dozen
 * multiply-adds, or one or two rows of C over many columns, where packing B would cost more than the
 * product): row by row, straight from the caller's matrices, on the calling thread. It also scales C
 * when there is nothing to add ({@code k == 0} or {@code alpha == 0}).
 */
final class GemmDirect {

    private static final VectorSpecies<Float> S = GemmKernel.S;
    private static final ByteOrder LE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private GemmDirect() {
    }

    /** {@code C = alpha * op(A) * op(B) + beta * C}, rows {@code [0, m)}. */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                     float beta, MemorySegment c, long cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            long cRow = (cOff + (long) i * ldc) * Float.BYTES;
            if (!transB) {
                scaleRow(c, cRow, n, beta);
                axpyRows(transA, i, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cRow);
            } else {
                dotRows(transA, i, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cRow);
            }
        }
    }

    /** {@code C = beta * C} for the {@code m x n} matrix C; zeros if {@code beta == 0} (even over NaNs). */
    static void scale(int m, int n, float beta, MemorySegment c, long cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            scaleRow(c, (cOff + (long) i * ldc) * Float.BYTES, n, beta);
        }
    }

    private static void scaleRow(MemorySegment c, long cRow, int n, float beta) {
        if (beta == 1f) {
            return;
        }
        int bound = S.loopBound(n);
        int j = 0;
        for (; j < bound; j += S.length()) {
            long at = cRow + (long) j * Float.BYTES;
            FloatVector v = beta == 0f ? FloatVector.zero(S) : FloatVector.fromMemorySegment(S, c, at, LE).mul(beta);
            v.intoMemorySegment(c, at, LE);
        }
        if (j < n) {
            var tail = S.indexInRange(j, n);
            long at = cRow + (long) j * Float.BYTES;
            FloatVector v = beta == 0f ? FloatVector.zero(S) : FloatVector.fromMemorySegment(S, c, at, LE, tail).mul(beta);
            v.intoMemorySegment(c, at, LE, tail);
        }
    }

    /** Row i of C += alpha * sum_p op(A)[i, p] * B[p, :] (B not transposed: its rows are contiguous). */
    private static void axpyRows(boolean transA, int i, int n, int k, float alpha,
                                 MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                                 MemorySegment c, long cRow) {
        int bound = S.loopBound(n);
        var tail = S.indexInRange(bound, n);
        for (int p = 0; p < k; p++) {
            float s = alpha * a.getAtIndex(F, transA ? aOff + (long) p * lda + i : aOff + (long) i * lda + p);
            FloatVector vs = FloatVector.broadcast(S, s);
            long bRow = (bOff + (long) p * ldb) * Float.BYTES;
            int j = 0;
            for (; j < bound; j += S.length()) {
                long at = cRow + (long) j * Float.BYTES;
                FloatVector bv = FloatVector.fromMemorySegment(S, b, bRow + (long) j * Float.BYTES, LE);
                bv.fma(vs, FloatVector.fromMemorySegment(S, c, at, LE)).intoMemorySegment(c, at, LE);
            }
            if (j < n) {
                long at = cRow + (long) j * Float.BYTES;
                FloatVector bv = FloatVector.fromMemorySegment(S, b, bRow + (long) j * Float.BYTES, LE, tail);
                bv.fma(vs, FloatVector.fromMemorySegment(S, c, at, LE, tail)).intoMemorySegment(c, at, LE, tail);
            }
        }
    }

    /** Row i of C = alpha * (op(A)[i, :] . B^T[:, j]) + beta * C, B transposed: its rows are the columns of op(B). */
    private static void dotRows(boolean transA, int i, int n, int k, float alpha,
                                MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                                float beta, MemorySegment c, long cRow) {
        int kb = S.loopBound(k);
        for (int j = 0; j < n; j++) {
            long bRow = bOff + (long) j * ldb;
            float sum = 0f;
            int p = 0;
            if (!transA) {
                long aRow = aOff + (long) i * lda;
                FloatVector acc = FloatVector.zero(S);
                for (; p < kb; p += S.length()) {
                    FloatVector av = FloatVector.fromMemorySegment(S, a, (aRow + p) * Float.BYTES, LE);
                    acc = av.fma(FloatVector.fromMemorySegment(S, b, (bRow + p) * Float.BYTES, LE), acc);
                }
                sum = Lanes.sum(acc);
                for (; p < k; p++) {
                    sum = Math.fma(a.getAtIndex(F, aRow + p), b.getAtIndex(F, bRow + p), sum);
                }
            } else {
                for (; p < k; p++) {
                    sum = Math.fma(a.getAtIndex(F, aOff + (long) p * lda + i), b.getAtIndex(F, bRow + p), sum);
                }
            }
            long at = cRow + (long) j * Float.BYTES;
            c.set(F, at, beta == 0f ? alpha * sum : Math.fma(alpha, sum, beta * c.get(F, at)));
        }
    }
}
