package dev.isthmus.kernel;

import dev.isthmus.tensor.Rng;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One GEMM call's operands with padded leading dimensions and offsets, and a double-precision reference
 * that also checks nothing outside C's window changed. Shared by the tests of every GEMM kernel.
 */
final class GemmProblem {
    final int m, n, k, lda, ldb, ldc;
    final boolean ta, tb;
    final long aOff = 3, bOff = 5, cOff = 7;
    final float alpha, beta;
    final MemorySegment a, b, c;
    final float[] before;

    GemmProblem(Arena arena, Rng rng, int m, int n, int k, boolean ta, boolean tb, int pad, float alpha, float beta) {
        this.m = m;
        this.n = n;
        this.k = k;
        this.ta = ta;
        this.tb = tb;
        this.alpha = alpha;
        this.beta = beta;
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        lda = Math.max(1, aCols + pad);
        ldb = Math.max(1, bCols + pad);
        ldc = n + pad;
        a = random(arena, rng, aOff + (long) aRows * lda + 2);
        b = random(arena, rng, bOff + (long) bRows * ldb + 2);
        c = random(arena, rng, cOff + (long) m * ldc + 2);
        before = c.toArray(ValueLayout.JAVA_FLOAT);
    }

    /** Sets C's window (not its padding) to {@code v}. */
    void fillWindow(float v) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c.setAtIndex(ValueLayout.JAVA_FLOAT, cOff + (long) i * ldc + j, v);
                before[(int) (cOff + (long) i * ldc + j)] = v;
            }
        }
    }

    void run(Gemm g) {
        g.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    void run(SkinnyGemm g) {
        g.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    void verify(String what) {
        double tol = 2e-6 * Math.max(8, k);
        for (int idx = 0; idx < before.length; idx++) {
            long rel = idx - cOff;
            int i = (int) Math.floorDiv(rel, (long) ldc), j = (int) Math.floorMod(rel, (long) ldc);
            float got = c.getAtIndex(ValueLayout.JAVA_FLOAT, idx);
            if (rel < 0 || i >= m || j >= n) {
                if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(before[idx])) {
                    fail(what + ": element " + idx + " outside C (" + m + "x" + n + ", ldc " + ldc + ", offset " + cOff
                            + ") changed from " + before[idx] + " to " + got);
                }
                continue;
            }
            double s = 0;
            if (alpha != 0f) {
                for (int p = 0; p < k; p++) {
                    s += (double) at(a, aOff + (ta ? (long) p * lda + i : (long) i * lda + p))
                            * at(b, bOff + (tb ? (long) j * ldb + p : (long) p * ldb + j));
                }
            }
            double want = alpha * s + (beta == 0f ? 0 : beta * (double) before[idx]);
            double err = Math.abs(got - want) / Math.max(1.0, Math.abs(want));
            if (!(err <= tol)) {
                fail(what + ": C[" + i + "," + j + "] = " + got + ", expected " + want + " (m=" + m + " n=" + n + " k=" + k
                        + " transA=" + ta + " transB=" + tb + ")");
            }
        }
    }

    @Override
    public String toString() {
        return m + "x" + n + "x" + k + (ta ? " A^T" : "") + (tb ? " B^T" : "");
    }

    static void assertBitIdentical(MemorySegment expected, MemorySegment actual, String what) {
        assertEquals(expected.byteSize(), actual.byteSize(), what);
        long mismatch = expected.mismatch(actual);
        assertTrue(mismatch < 0, () -> what + ": first difference at float " + mismatch / Float.BYTES + ": "
                + expected.get(ValueLayout.JAVA_FLOAT_UNALIGNED, mismatch & ~3L) + " vs "
                + actual.get(ValueLayout.JAVA_FLOAT_UNALIGNED, mismatch & ~3L));
    }

    static MemorySegment random(Arena arena, Rng rng, long n) {
        MemorySegment s = arena.allocate(n * Float.BYTES, 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, rng.uniform(-1, 1));
        }
        return s;
    }

    static float at(MemorySegment s, long i) {
        return s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
    }
}
