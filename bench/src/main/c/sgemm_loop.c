/*
 * A C loop of cblas_sgemm calls, built as a shared library and called once per sample from the JVM
 * (dev.isthmus.bench.kernel.FfmInterleaved), so that "the same sgemm called from C" and "called through FFM"
 * run in one process, on the same threads, matrices and library, a fraction of a second apart.
 *
 *   gcc -O2 -std=c11 -shared -fPIC -o libsgemm_loop.so bench/src/main/c/sgemm_loop.c
 */
#define _POSIX_C_SOURCE 199309L
#include <time.h>

typedef void (*sgemm_fn)(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                         const float *b, int ldb, float beta, float *c, int ldc);

/* Calls fn (cblas_sgemm) reps times and returns the elapsed nanoseconds (CLOCK_MONOTONIC). */
long long isthmus_sgemm_loop(void *fn, int reps, int order, int ta, int tb, int m, int n, int k, float alpha,
                             const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    sgemm_fn f = (sgemm_fn) fn;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < reps; i++) {
        f(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long long) (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
}
