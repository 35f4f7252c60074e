package dev.isthmus.kernel;

import dev.isthmus.runtime.ThreadPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Pure-Java {@link Gemm} on the Vector API, used when OpenBLAS cannot be loaded or when selected with
 * {@code -Disthmus.backend=vector}. Rows of C are split over the engine's {@link ThreadPool}.
 */
public final class VectorGemm implements Gemm {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.nativeOrder();

    private final ThreadPool pool;

    public VectorGemm(ThreadPool pool) {
        this.pool = pool;
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float alpha, MemorySegment a, long aOff, int lda,
                      MemorySegment b, long bOff, int ldb,
                      float beta, MemorySegment c, long cOff, int ldc) {
        GemmChecks.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        ThreadPool.RangeTask rows = (start, end, w) -> {
            for (int i = start; i < end; i++) {
                row(transA, transB, i, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            }
        };
        if ((long) m * n * k < 32_768 || pool == null || !pool.canShare(a) || !pool.canShare(b) || !pool.canShare(c)) {
            rows.run(0, m, 0);
        } else {
            pool.parallelFor(m, rows);
        }
    }

    private static float aAt(boolean transA, MemorySegment a, long aOff, int lda, int i, int p) {
        long idx = transA ? aOff + (long) p * lda + i : aOff + (long) i * lda + p;
        return a.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, idx);
    }

    private static void row(boolean transA, boolean transB, int i, int n, int k, float alpha,
                            MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                            float beta, MemorySegment c, long cOff, int ldc) {
        long cRow = (cOff + (long) i * ldc) * Float.BYTES;
        // C row = beta * C row
        int bound = S.loopBound(n);
        FloatVector vb = FloatVector.broadcast(S, beta);
        int j = 0;
        for (; j < bound; j += S.length()) {
            long at = cRow + (long) j * Float.BYTES;
            FloatVector v = beta == 0f ? FloatVector.zero(S) : FloatVector.fromMemorySegment(S, c, at, LE).mul(vb);
            v.intoMemorySegment(c, at, LE);
        }
        for (; j < n; j++) {
            long at = cRow + (long) j * Float.BYTES;
            float v = beta == 0f ? 0f : c.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, at) * beta;
            c.set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, at, v);
        }
        if (!transB) {
            for (int p = 0; p < k; p++) {
                float s = alpha * aAt(transA, a, aOff, lda, i, p);
                FloatVector vs = FloatVector.broadcast(S, s);
                long bRow = (bOff + (long) p * ldb) * Float.BYTES;
                j = 0;
                for (; j < bound; j += S.length()) {
                    long at = cRow + (long) j * Float.BYTES;
                    FloatVector acc = FloatVector.fromMemorySegment(S, c, at, LE);
                    FloatVector bv = FloatVector.fromMemorySegment(S, b, bRow + (long) j * Float.BYTES, LE);
                    bv.fma(vs, acc).intoMemorySegment(c, at, LE);
                }
                for (; j < n; j++) {
                    long at = cRow + (long) j * Float.BYTES;
                    float cv = c.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, at);
                    float bv = b.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, bOff + (long) p * ldb + j);
                    c.set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, at, Math.fma(s, bv, cv));
                }
            }
        } else {
            for (j = 0; j < n; j++) {
                long bRow = bOff + (long) j * ldb;
                float sum = 0f;
                int p = 0;
                if (!transA) {
                    FloatVector acc = FloatVector.zero(S);
                    int kb = S.loopBound(k);
                    long aRow = aOff + (long) i * lda;
                    for (; p < kb; p += S.length()) {
                        FloatVector av = FloatVector.fromMemorySegment(S, a, (aRow + p) * Float.BYTES, LE);
                        FloatVector bv = FloatVector.fromMemorySegment(S, b, (bRow + p) * Float.BYTES, LE);
                        acc = av.fma(bv, acc);
                    }
                    sum = acc.reduceLanes(VectorOperators.ADD);
                }
                for (; p < k; p++) {
                    sum += aAt(transA, a, aOff, lda, i, p)
                            * b.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, bRow + p);
                }
                long at = cRow + (long) j * Float.BYTES;
                float cv = c.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, at);
                c.set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, at, cv + alpha * sum);
            }
        }
    }
}
