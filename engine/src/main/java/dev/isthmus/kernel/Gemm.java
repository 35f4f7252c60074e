package dev.isthmus.kernel;

import dev.isthmus.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Single-precision general matrix multiply on row-major matrices:
 * {@code C = alpha * op(A) * op(B) + beta * C}, where {@code op(A)} is {@code m x k}, {@code op(B)} is
 * {@code k x n} and {@code C} is {@code m x n}; {@code op(X)} is {@code X} or its transpose.
 *
 * <p>Matrices are addressed as (segment, element offset, leading dimension), as in CBLAS. {@link #sgemm}
 * validates the arguments in Java ({@link GemmChecks}) before any implementation runs, so a wrong dimension
 * throws an {@link IllegalArgumentException} naming the shapes instead of reaching native code; the
 * implementations only see checked, non-empty products.
 * Implementations: {@link OpenBlasGemm} (the default when OpenBLAS loads) and {@link VectorGemm}
 * (pure Java, Vector API).
 */
public abstract sealed class Gemm permits OpenBlasGemm, VectorGemm {

    Gemm() {
    }

    /** A short name for reports, e.g. {@code openblas} or {@code vector}. */
    public abstract String name();

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}.
     *
     * @param transA use A transposed: A is stored {@code k x m} (else {@code m x k})
     * @param transB use B transposed: B is stored {@code n x k} (else {@code k x n})
     * @param aOff   element offset of A's first element in {@code a}; likewise {@code bOff}, {@code cOff}
     * @param lda    distance in elements between rows of A as stored
     */
    public final void sgemm(boolean transA, boolean transB, int m, int n, int k,
                            float alpha, MemorySegment a, long aOff, int lda,
                            MemorySegment b, long bOff, int ldb,
                            float beta, MemorySegment c, long cOff, int ldc) {
        GemmChecks.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m > 0 && n > 0) {
            run(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** {@link #sgemm} once its arguments are checked and {@code m, n >= 1}. */
    abstract void run(boolean transA, boolean transB, int m, int n, int k,
                      float alpha, MemorySegment a, long aOff, int lda,
                      MemorySegment b, long bOff, int ldb,
                      float beta, MemorySegment c, long cOff, int ldc);

    /** {@link #sgemm} with matrices starting at offset 0 of their segments. */
    public final void sgemm(boolean transA, boolean transB, int m, int n, int k,
                            float alpha, MemorySegment a, int lda, MemorySegment b, int ldb,
                            float beta, MemorySegment c, int ldc) {
        sgemm(transA, transB, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, ldc);
    }

    /** {@code c = a @ b} for 2-D tensors {@code [m, k] @ [k, n] -> [m, n]}. */
    public final void matmul(Tensor a, Tensor b, Tensor c) {
        if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2 || a.dim(1) != b.dim(0)
                || c.dim(0) != a.dim(0) || c.dim(1) != b.dim(1)) {
            throw new IllegalArgumentException("matmul: cannot multiply " + a.shapeString() + " by " + b.shapeString()
                    + " into " + c.shapeString());
        }
        sgemm(false, false, a.dim(0), b.dim(1), a.dim(1), 1f, a.segment(), a.dim(1), b.segment(), b.dim(1),
                0f, c.segment(), c.dim(1));
    }
}
