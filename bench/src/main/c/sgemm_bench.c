/*
 * sgemm_bench: times cblas_sgemm of a given libopenblas.so from C, the baseline for the Java (FFM)
 * figures of GemmBenchmark. bench/run-gemm.sh compiles it at benchmark time and passes it the very
 * library the JVM loaded, so both sides call the same code with the same thread count.
 *
 *   sgemm_bench --lib PATH [--threads 1,2] [--warmup-ms 1500] [--sample-ms 200] [--samples 10]
 *               [--parallel-min-macs N] [--fma-peak-ms MS] [--round N] < shapes
 *
 * Each line on stdin is one problem, as GemmShape.specLine() prints it:
 *   NAME transA transB m n k count aStride bStride cStride beta
 * (row-major; one operation is `count` products, product r at element r*stride of A, B and C;
 * alpha = 1, beta 0 or 1).
 * Timing mirrors a JMH average-time run: a warm-up of warmup-ms, then `samples` samples of about
 * sample-ms each; a sample's figure is its time divided by the operations it completed. The clock is
 * read once per batch of operations sized to take >= 20 us, so it adds nothing measurable at n = 8.
 * With --parallel-min-macs N, products of fewer than N multiply-adds run on one OpenBLAS thread whatever
 * the thread count, as the engine's ThreadBudget.fitBlasTo does, so both sides run the same threads.
 * Output, one line per (problem, thread count), BLAS_THREADS being the count OpenBLAS was given and
 * ROUND the --round tag (default 1), which only labels the line: run-gemm.sh alternates this program
 * with the JMH run several times and pairs each round's figures with the JMH round of the same number:
 *   RESULT NAME THREADS MEDIAN_NS_PER_OP MIN_NS_PER_OP SAMPLES OPS BLAS_THREADS ROUND
 * With --fma-peak-ms MS it first measures one core's FP32 FMA throughput with AVX2 (12 independent
 * chains of 256-bit FMAs, enough to fill two pipes) and prints FMA_PEAK_1T GFLOPS, a check on the
 * peak the report derives from /proc/cpuinfo (a hypervisor may present a different CPU model).
 * The library is opened with dlopen, so no header or link-time OpenBLAS is needed; the prototypes
 * below are cblas.h's.
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

typedef void (*sgemm_fn)(int order, int transA, int transB, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
typedef void (*set_threads_fn)(int threads);
typedef char *(*string_fn)(void);

static sgemm_fn sgemm;

struct shape {
    char name[64];
    int ta, tb, m, n, k, count;
    long as, bs, cs;
    float beta;
};

struct problem {
    const struct shape *s;
    float *a, *b, *c;
    int lda, ldb, ldc;
};

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

static void die(const char *what, const char *detail) {
    fprintf(stderr, "sgemm_bench: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

static float *filled(long elements, uint64_t *state, int random) {
    size_t bytes = ((size_t) elements * sizeof(float) + 63) / 64 * 64;
    float *p = aligned_alloc(64, bytes ? bytes : 64);
    if (!p) {
        die("out of memory", NULL);
    }
    for (long i = 0; i < elements; i++) {
        *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
        p[i] = random ? (float) ((*state >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f : 0.0f;
    }
    return p;
}

static void run_op(const struct problem *p) {
    const struct shape *s = p->s;
    for (int r = 0; r < s->count; r++) {
        sgemm(CBLAS_ROW_MAJOR, s->ta ? CBLAS_TRANS : CBLAS_NO_TRANS, s->tb ? CBLAS_TRANS : CBLAS_NO_TRANS,
              s->m, s->n, s->k, 1.0f, p->a + r * s->as, p->lda, p->b + r * s->bs, p->ldb, s->beta,
              p->c + r * s->cs, p->ldc);
    }
}

/* Runs batches of `batch` operations until at least `ms` have passed; returns ns per operation. */
static double timed(const struct problem *p, long batch, double ms, long *ops_out) {
    long ops = 0;
    double start = now_ns(), end, limit = ms * 1e6;
    do {
        for (long i = 0; i < batch; i++) {
            run_op(p);
        }
        ops += batch;
        end = now_ns();
    } while (end - start < limit);
    *ops_out = ops;
    return (end - start) / (double) ops;
}

#if defined(__x86_64__)
/* FP32 GFLOP/s of 256-bit FMAs on this thread over about `ms` milliseconds; 0 without AVX2 and FMA. */
__attribute__((target("avx2,fma"))) static double fma_peak_avx2(double ms) {
    __m256 x = _mm256_set1_ps(0.9999999f), y = _mm256_set1_ps(1e-7f);
    /* Distinct starting values, or the compiler merges the identical chains into one. */
    __m256 a0 = _mm256_set1_ps(0.01f), a1 = _mm256_set1_ps(0.02f), a2 = _mm256_set1_ps(0.03f);
    __m256 a3 = _mm256_set1_ps(0.04f), a4 = _mm256_set1_ps(0.05f), a5 = _mm256_set1_ps(0.06f);
    __m256 a6 = _mm256_set1_ps(0.07f), a7 = _mm256_set1_ps(0.08f), a8 = _mm256_set1_ps(0.09f);
    __m256 a9 = _mm256_set1_ps(0.10f), a10 = _mm256_set1_ps(0.11f), a11 = _mm256_set1_ps(0.12f);
    long rounds = 0;
    double start = now_ns(), end;
    do {
        for (int i = 0; i < 10000; i++) {
            a0 = _mm256_fmadd_ps(a0, x, y); a1 = _mm256_fmadd_ps(a1, x, y); a2 = _mm256_fmadd_ps(a2, x, y);
            a3 = _mm256_fmadd_ps(a3, x, y); a4 = _mm256_fmadd_ps(a4, x, y); a5 = _mm256_fmadd_ps(a5, x, y);
            a6 = _mm256_fmadd_ps(a6, x, y); a7 = _mm256_fmadd_ps(a7, x, y); a8 = _mm256_fmadd_ps(a8, x, y);
            a9 = _mm256_fmadd_ps(a9, x, y); a10 = _mm256_fmadd_ps(a10, x, y); a11 = _mm256_fmadd_ps(a11, x, y);
        }
        rounds++;
        end = now_ns();
    } while (end - start < ms * 1e6);
    __m256 sum = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                               _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    sum = _mm256_add_ps(sum, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
    float out[8];
    _mm256_storeu_ps(out, sum);
    if (out[0] < 0.0f) {
        printf("#\n"); /* never true; keeps the chains alive */
    }
    return (double) rounds * 10000.0 * 12 * 8 * 2 / (end - start);
}

static double fma_peak(double ms) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        return 0.0;
    }
    fma_peak_avx2(ms / 4); /* warm up the clock and the pipes */
    double best = 0.0;
    for (int i = 0; i < 3; i++) {
        double g = fma_peak_avx2(ms / 4);
        best = g > best ? g : best;
    }
    return best;
}
#else
static double fma_peak(double ms) {
    (void) ms;
    return 0.0;
}
#endif

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *) x, b = *(const double *) y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv) {
    const char *lib = NULL, *threads_arg = "1";
    double warmup_ms = 1500, sample_ms = 200, peak_ms = 0;
    long parallel_min_macs = 0;
    int samples = 10, round = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--lib") && i + 1 < argc) {
            lib = argv[++i];
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            threads_arg = argv[++i];
        } else if (!strcmp(argv[i], "--warmup-ms") && i + 1 < argc) {
            warmup_ms = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--sample-ms") && i + 1 < argc) {
            sample_ms = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--parallel-min-macs") && i + 1 < argc) {
            parallel_min_macs = atol(argv[++i]);
        } else if (!strcmp(argv[i], "--fma-peak-ms") && i + 1 < argc) {
            peak_ms = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--samples") && i + 1 < argc) {
            samples = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--round") && i + 1 < argc) {
            round = atoi(argv[++i]);
        } else {
            die("usage: sgemm_bench --lib PATH [--threads 1,2] [--warmup-ms MS] [--sample-ms MS] [--samples N] [--parallel-min-macs N] [--fma-peak-ms MS] [--round N] < shapes",
                NULL);
        }
    }
    if (!lib) {
        die("--lib PATH (the libopenblas.so the JVM loaded) is required", NULL);
    }
    if (samples < 1 || samples > 10000 || sample_ms <= 0 || warmup_ms < 0) {
        die("--samples must be 1..10000 and --sample-ms > 0", NULL);
    }
    if (round < 1) {
        die("--round must be a positive integer", NULL);
    }
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        die("cannot open the library", dlerror());
    }
    sgemm = (sgemm_fn) dlsym(h, "cblas_sgemm");
    set_threads_fn set_threads = (set_threads_fn) dlsym(h, "openblas_set_num_threads");
    string_fn config = (string_fn) dlsym(h, "openblas_get_config");
    string_fn core = (string_fn) dlsym(h, "openblas_get_corename");
    if (!sgemm || !set_threads || !config || !core) {
        die("the library does not export cblas_sgemm, openblas_set_num_threads, openblas_get_config and "
            "openblas_get_corename", lib);
    }
    printf("LIB %s\nCONFIG %s\nCORE %s\nPARALLEL_MIN_MACS %ld\n", lib, config(), core(), parallel_min_macs);
    if (peak_ms > 0) {
        printf("FMA_PEAK_1T %.2f\n", fma_peak(peak_ms));
    }

    int threads[16], nthreads = 0;
    for (const char *t = threads_arg; *t && nthreads < 16;) {
        threads[nthreads++] = atoi(t);
        const char *comma = strchr(t, ',');
        if (!comma) {
            break;
        }
        t = comma + 1;
    }

    char line[512];
    double *figures = malloc(sizeof(double) * (size_t) samples);
    while (fgets(line, sizeof line, stdin)) {
        struct shape s;
        int beta;
        if (line[0] == '\n' || line[0] == '#') {
            continue;
        }
        if (sscanf(line, "%63s %d %d %d %d %d %d %ld %ld %ld %d", s.name, &s.ta, &s.tb, &s.m, &s.n, &s.k, &s.count,
                   &s.as, &s.bs, &s.cs, &beta) != 11 || s.m < 1 || s.n < 1 || s.k < 1 || s.count < 1) {
            die("bad shape line (want NAME transA transB m n k count aStride bStride cStride beta)", line);
        }
        s.beta = (float) beta;
        struct problem p = {&s, NULL, NULL, NULL, s.ta ? s.m : s.k, s.tb ? s.k : s.n, s.n};
        uint64_t state = 42;
        p.a = filled((long) (s.count - 1) * s.as + (long) s.m * s.k, &state, 1);
        p.b = filled((long) (s.count - 1) * s.bs + (long) s.k * s.n, &state, 1);
        p.c = filled((long) (s.count - 1) * s.cs + (long) s.m * s.n, &state, 0);
        for (int t = 0; t < nthreads; t++) {
            int blas_threads = (long) s.m * s.n * s.k < parallel_min_macs ? 1 : threads[t];
            set_threads(blas_threads);
            long ops;
            double per_op = timed(&p, 1, warmup_ms > 0 ? warmup_ms : 1e-6, &ops);
            long batch = per_op >= 20000.0 ? 1 : (long) (20000.0 / per_op) + 1;
            long total = 0;
            for (int i = 0; i < samples; i++) {
                figures[i] = timed(&p, batch, sample_ms, &ops);
                total += ops;
            }
            qsort(figures, (size_t) samples, sizeof(double), cmp_double);
            double median = samples % 2 ? figures[samples / 2]
                                        : 0.5 * (figures[samples / 2 - 1] + figures[samples / 2]);
            printf("RESULT %s %d %.3f %.3f %d %ld %d %d\n", s.name, threads[t], median, figures[0], samples, total,
                   blas_threads, round);
            fflush(stdout);
        }
        free(p.a);
        free(p.b);
        free(p.c);
    }
    free(figures);
    return 0;
}
