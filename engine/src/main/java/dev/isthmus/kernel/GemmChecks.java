package dev.isthmus.kernel;

import java.lang.foreign.MemorySegment;

/**
 * Argument validation shared by every {@link Gemm}: dimensions, leading dimensions, offsets and the
 * extent of each matrix inside its segment, checked in Java so that no bad value reaches OpenBLAS.
 */
public final class GemmChecks {
    private GemmChecks() {
    }

    /** Throws {@link IllegalArgumentException} naming the shapes if the call is not well-formed. */
    public static void check(boolean transA, boolean transB, int m, int n, int k,
                             MemorySegment a, long aOff, int lda,
                             MemorySegment b, long bOff, int ldb,
                             MemorySegment c, long cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative dimension m=" + m + " n=" + n + " k=" + k);
        }
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        matrix("A", transA, aRows, aCols, a, aOff, lda, m, n, k);
        matrix("B", transB, bRows, bCols, b, bOff, ldb, m, n, k);
        matrix("C", false, m, n, c, cOff, ldc, m, n, k);
    }

    private static void matrix(String name, boolean trans, int rows, int cols, MemorySegment seg, long off, int ld,
                               int m, int n, int k) {
        // Checks first, message only on failure: this runs on every GEMM of a training step and must not allocate.
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("sgemm: " + shape(name, trans, rows, cols, m, n, k) + " needs ld"
                    + name.toLowerCase() + " >= " + Math.max(1, cols) + ", got " + ld);
        }
        if (seg == null) {
            throw new IllegalArgumentException("sgemm: " + shape(name, trans, rows, cols, m, n, k) + " has no memory (null segment)");
        }
        if (off < 0) {
            throw new IllegalArgumentException("sgemm: " + shape(name, trans, rows, cols, m, n, k) + " has negative offset " + off);
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        long needed = off + (long) (rows - 1) * ld + cols;
        long have = seg.byteSize() / Float.BYTES;
        if (needed > have) {
            throw new IllegalArgumentException("sgemm: " + shape(name, trans, rows, cols, m, n, k) + " with ld=" + ld
                    + " at offset " + off + " needs " + needed + " floats but its segment holds " + have);
        }
    }

    private static String shape(String name, boolean trans, int rows, int cols, int m, int n, int k) {
        return name + (trans ? "^T" : "") + " stored " + rows + "x" + cols + " (m=" + m + ", n=" + n + ", k=" + k + ")";
    }
}
