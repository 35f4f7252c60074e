package dev.isthmus.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The arguments of one GEMM call, held by a reusable task so that a multi-threaded call hands them to its
 * workers without allocating: {@link VectorGemm}'s block split and {@link SkinnyGemm}'s tasks extend it.
 * {@link #clear} drops the segments after the call, so a parked task keeps no tensor alive.
 */
abstract class GemmArgs {
    boolean transA, transB;
    int m, n, k, lda, ldb, ldc;
    float alpha, beta;
    MemorySegment a, b, c;
    long aOff, bOff, cOff;

    final void setArgs(boolean transA, boolean transB, int m, int n, int k, float alpha,
                       MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                       float beta, MemorySegment c, long cOff, int ldc) {
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.a = a;
        this.aOff = aOff;
        this.lda = lda;
        this.b = b;
        this.bOff = bOff;
        this.ldb = ldb;
        this.beta = beta;
        this.c = c;
        this.cOff = cOff;
        this.ldc = ldc;
    }

    final void clear() {
        a = b = c = null;
    }
}
