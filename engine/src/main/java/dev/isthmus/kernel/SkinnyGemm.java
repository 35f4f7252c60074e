package dev.isthmus.kernel;

import dev.isthmus.runtime.ThreadPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Matrix products with few rows on one side, as in every fully connected layer at training batch sizes
 * (a batch of {@code M <= 64} against a weight matrix of millions of elements), computed so that the
 * weight matrix streams through the core once per call instead of once per block of rows. Packing the
 * weights, as a general GEMM does, reads and writes them again for a product that is bound by reading them.
 * The three products of {@code nn.Linear} ({@code x [M, in]}, {@code W [out, in]}):
 * <ul>
 *   <li>{@link Kind#FORWARD} {@code y = x W^T}: sgemm(N, T) with {@code m <= 64}: 4 rows of W at a time
 *       stay in L2 while every 4 rows of x pass them ({@link SkinnyTiles#dot});</li>
 *   <li>{@link Kind#INPUT_GRAD} {@code dX = dY W}: sgemm(N, N) with {@code m <= 64}: a panel of
 *       {@link #KC} rows x one tile width of W stays in L2 while every 4 rows of dY pass it
 *       ({@link SkinnyTiles#axpy});</li>
 *   <li>{@link Kind#WEIGHT_GRAD} {@code dW += dY^T X}: sgemm(T, N) with depth {@code k <= 64}: each 4 x tile
 *       of dW is read, updated with all k rank-1 terms, and written once.</li>
 * </ul>
 * Work is split over the engine's {@link ThreadPool} by disjoint parts of C (rows of W, or columns), and
 * every element's sum runs in the same order whatever the split, so results do not depend on the thread
 * count. The engine routes a product here only where this measured faster than OpenBLAS ({@link #accepts}).
 */
public final class SkinnyGemm {

    /** The three skinny products, named after the Linear pass they serve. */
    public enum Kind { FORWARD, INPUT_GRAD, WEIGHT_GRAD }

    /** The most rows (batch) a skinny product may have. */
    public static final int MAX_ROWS = 64;
    /** The most rows for which the engine routes a product here (at 64 OpenBLAS was as fast). */
    public static final int ROUTE_MAX_ROWS = 32;
    /** The fewest weights for which the forward product is routed here. */
    public static final long FORWARD_MIN_WEIGHTS = 1L << 20;
    /** The fewest weights for which dX is routed here. */
    public static final long INPUT_GRAD_MIN_WEIGHTS = 1L << 18;
    /** Depth of the weight block {@link Kind#INPUT_GRAD} keeps in L1: {@code KC x WIDTH} floats (16 KiB on AVX-512). */
    static final int KC = 64;
    /** Depth of a {@link Kind#FORWARD} block: 4 rows of the weights x {@code KD} floats (8 KiB) stay in L1. */
    static final int KD = 512;
    /** {@link Kind#WEIGHT_GRAD} takes columns in blocks whose rows of B hold this many floats (128 KiB, in L2). */
    static final int B_BLOCK_FLOATS = 1 << 15;
    private static final long TILE_BYTES = 16L * SkinnyTiles.S.vectorByteSize();
    /** Each thread gets at least this many multiply-adds, else one thread runs the product. */
    static final long WORK_PER_THREAD = 1L << 21;

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    private static final ThreadLocal<Task> TASK = ThreadLocal.withInitial(Task::new);

    private final ThreadPool pool;
    private final long workPerThread;

    /** @param pool the engine's pool, or null for one thread */
    public SkinnyGemm(ThreadPool pool) {
        this(pool, WORK_PER_THREAD);
    }

    /** With a different split threshold, so that tests can split small products over threads. */
    SkinnyGemm(ThreadPool pool, long workPerThread) {
        this.pool = pool;
        this.workPerThread = workPerThread;
    }

    /** Which skinny product a call is, by shape alone (null: none), without the size threshold. */
    public static Kind kind(boolean transA, boolean transB, int m, int n, int k) {
        if (m < 1 || n < 1 || k < 1) {
            return null;
        }
        if (!transA && transB && m <= MAX_ROWS) {
            return Kind.FORWARD;
        }
        if (!transA && !transB && m <= MAX_ROWS) {
            return Kind.INPUT_GRAD;
        }
        if (transA && !transB && k <= MAX_ROWS) {
            return Kind.WEIGHT_GRAD;
        }
        return null;
    }

    /**
     * True if the engine routes this call here instead of OpenBLAS: only where the skinny kernel measured
     * faster (bench/results/skinny-gemm.md): the forward product and dX for at most {@link #ROUTE_MAX_ROWS}
     * rows and at least {@link #FORWARD_MIN_WEIGHTS} / {@link #INPUT_GRAD_MIN_WEIGHTS} weights. The weight
     * gradient stays with OpenBLAS, which was faster at batch 16 and 64.
     */
    public static boolean accepts(boolean transA, boolean transB, int m, int n, int k) {
        Kind kind = kind(transA, transB, m, n, k);
        if (kind == null || kind == Kind.WEIGHT_GRAD || m > ROUTE_MAX_ROWS) {
            return false;
        }
        long weights = (long) n * k;
        return weights >= (kind == Kind.FORWARD ? FORWARD_MIN_WEIGHTS : INPUT_GRAD_MIN_WEIGHTS);
    }

    /** One line for {@code isthmus info}: which products {@link #accepts} takes. */
    public static String routingSummary() {
        return String.format(java.util.Locale.ROOT, "y = x W^T with M <= %d and >= %d weights, dX = dY W with M <= %d and "
                        + ">= %d weights (%d-bit vectors); dW += dY^T X stays with the general GEMM", ROUTE_MAX_ROWS,
                FORWARD_MIN_WEIGHTS, ROUTE_MAX_ROWS, INPUT_GRAD_MIN_WEIGHTS, SkinnyTiles.S.vectorBitSize());
    }

    /**
     * {@code C = alpha * op(A) op(B) + beta * C} for a shape {@link #kind} names (any size), with the
     * arguments of {@link Gemm#sgemm}.
     *
     * @throws IllegalArgumentException if the call is malformed or not a skinny shape
     */
    public void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float alpha, MemorySegment a, long aOff, int lda,
                      MemorySegment b, long bOff, int ldb,
                      float beta, MemorySegment c, long cOff, int ldc) {
        GemmChecks.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        run(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** {@link #sgemm} for a caller that has already run {@link GemmChecks#check}. */
    void run(boolean transA, boolean transB, int m, int n, int k, float alpha, MemorySegment a, long aOff, int lda,
             MemorySegment b, long bOff, int ldb, float beta, MemorySegment c, long cOff, int ldc) {
        Kind kind = kind(transA, transB, m, n, k);
        if (kind == null) {
            throw new IllegalArgumentException("SkinnyGemm: sgemm(" + (transA ? "T" : "N") + ", " + (transB ? "T" : "N")
                    + ") with m=" + m + ", n=" + n + ", k=" + k + " is not a skinny product (needs m <= " + MAX_ROWS
                    + " for (N,T) and (N,N), k <= " + MAX_ROWS + " for (T,N), all >= 1)");
        }
        Task t = TASK.get();
        t.set(kind, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        try {
            int units = t.units();
            long work = (long) m * n * k;
            int parts = pool == null ? 1 : (int) Math.min(Math.min(pool.threads(), units), work / workPerThread);
            if (parts <= 1 || !pool.canShare(a) || !pool.canShare(b) || !pool.canShare(c)) {
                t.run(0, units, 0);
            } else {
                pool.parallelFor(units, t);
            }
        } finally {
            t.clear();
        }
    }

    /** Per-thread operand offsets and tile results, so a call allocates nothing. */
    private static final class Scratch {
        final long[] ar = new long[4];
        final long[] br = new long[4];
        final float[] out = new float[16];
        /** The 16 accumulator vectors a tile leaves for its reduction or merge (64-byte aligned, freed with the thread). */
        final MemorySegment tile = Arena.ofAuto().allocate(TILE_BYTES, 64);
        private MemorySegment sums = tile;

        /** Room for the accumulators of {@code tiles} tiles (grown once, kept for the thread's life). */
        MemorySegment sums(int tiles) {
            if (sums.byteSize() < tiles * TILE_BYTES) {
                sums = Arena.ofAuto().allocate(tiles * TILE_BYTES, 64);
            }
            return sums;
        }
    }

    /** One call's arguments and its loop over units (tiles of 4 rows of W, or tile-wide column chunks). */
    private static final class Task extends GemmArgs implements ThreadPool.RangeTask {
        private Kind kind;

        void set(Kind kind, int m, int n, int k, float alpha, MemorySegment a, long aOff, int lda,
                 MemorySegment b, long bOff, int ldb, float beta, MemorySegment c, long cOff, int ldc) {
            this.kind = kind;
            setArgs(false, false, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }

        int units() {
            return switch (kind) {
                case FORWARD -> Math.ceilDiv(n, 4);
                case INPUT_GRAD -> Math.ceilDiv(n, SkinnyTiles.WIDTH);
                case WEIGHT_GRAD -> Math.ceilDiv(m, 4);
            };
        }

        @Override
        public void run(int start, int end, int worker) {
            Scratch s = SCRATCH.get();
            switch (kind) {
                case FORWARD -> forward(start, end, s);
                case INPUT_GRAD -> inputGrad(start, end, s);
                case WEIGHT_GRAD -> weightGrad(start, end, s);
            }
        }

        /**
         * C[i, j] over tiles of 4 columns j (rows of B) {@code [t0, t1)}: for each, depth blocks of {@link #KD}
         * (4 rows of B, 8 KiB, stay in L1) against every 4 rows of A, each tile's lane sums kept in its own
         * slot of the scratch until the last block.
         */
        private void forward(int t0, int t1, Scratch s) {
            int kv = k - k % SkinnyTiles.L;
            int tiles = Math.ceilDiv(m, 4);
            MemorySegment acc = s.sums(tiles);
            for (int t = t0; t < t1; t++) {
                int j = 4 * t, cols = Math.min(4, n - j);
                for (int q = 0; q < 4; q++) {
                    s.br[q] = bOff + (long) Math.min(j + q, n - 1) * ldb;
                }
                acc.fill((byte) 0);
                for (int p0 = 0; p0 < kv; p0 += KD) {
                    int p1 = Math.min(kv, p0 + KD);
                    for (int i = 0; i < m; i += 4) {
                        rowsOfA(i, s);
                        SkinnyTiles.dot(p0, p1, a, s.ar, b, s.br, acc, (long) (i / 4) * TILE_BYTES);
                    }
                }
                for (int i = 0; i < m; i += 4) {
                    int rows = Math.min(4, m - i);
                    rowsOfA(i, s);
                    SkinnyTiles.reduce(k, a, s.ar, b, s.br, acc, (long) (i / 4) * TILE_BYTES, s.out);
                    for (int r = 0; r < rows; r++) {
                        long at = cOff + (long) (i + r) * ldc + j;
                        for (int q = 0; q < cols; q++) {
                            float y = alpha * s.out[4 * r + q];
                            c.setAtIndex(F, at + q, beta == 0f ? y : y + beta * c.getAtIndex(F, at + q));
                        }
                    }
                }
            }
        }

        private void rowsOfA(int i, Scratch s) {
            for (int q = 0; q < 4; q++) {
                s.ar[q] = aOff + (long) Math.min(i + q, m - 1) * lda;
            }
        }

        /**
         * {@link Kind#WEIGHT_GRAD}: column blocks whose {@code k} rows of B fill {@link #B_BLOCK_FLOATS} (L2), and
         * within each every 4-row tile of C, each element of C read and written once.
         */
        private void weightGrad(int u0, int u1, Scratch s) {
            int block = Math.max(SkinnyTiles.WIDTH, B_BLOCK_FLOATS / k / SkinnyTiles.WIDTH * SkinnyTiles.WIDTH);
            for (int c0 = 0; c0 < n; c0 += block) {
                weightGradBlock(u0, u1, c0, Math.min(n, c0 + block), s);
            }
        }

        private void weightGradBlock(int u0, int u1, int c0, int c1, Scratch s) {
            for (int u = u0; u < u1; u++) {
                int i = 4 * u, rows = Math.min(4, m - i);
                for (int col = c0; col < c1; col += SkinnyTiles.WIDTH) {
                    int width = Math.min(SkinnyTiles.WIDTH, c1 - col);
                    for (int q = 0; q < 4; q++) {
                        int r = Math.min(i + q, m - 1);
                        s.ar[q] = aOff + r;
                        s.br[q] = cOff + (long) r * ldc + col;
                    }
                    tile(0, k, lda, col, width, s);
                    SkinnyTiles.merge(s.tile, c, s.br, rows, width, alpha, beta);
                }
            }
        }

        /**
         * {@link Kind#INPUT_GRAD} over column chunks {@code [u0, u1)} of one tile width: depth blocks of
         * {@link #KC} rows of B outermost, so B streams row by row ({@code KC} sequential streams), and within
         * each every row tile of C, so a block of B is read from memory once and from L1 by the other tiles.
         */
        private void inputGrad(int u0, int u1, Scratch s) {
            for (int p0 = 0; p0 < k; p0 += KC) {
                int p1 = Math.min(k, p0 + KC);
                float blockBeta = p0 == 0 ? beta : 1f;
                for (int u = u0; u < u1; u++) {
                    int col = u * SkinnyTiles.WIDTH, width = Math.min(SkinnyTiles.WIDTH, n - col);
                    for (int i = 0; i < m; i += 4) {
                        int rows = Math.min(4, m - i);
                        for (int q = 0; q < 4; q++) {
                            int r = Math.min(i + q, m - 1);
                            s.ar[q] = aOff + (long) r * lda;
                            s.br[q] = cOff + (long) r * ldc + col;
                        }
                        tile(p0, p1, 1, col, width, s);
                        SkinnyTiles.merge(s.tile, c, s.br, rows, width, alpha, blockBeta);
                    }
                }
            }
        }

        private void tile(int p0, int p1, long aStep, int col, int width, Scratch s) {
            if (width == SkinnyTiles.WIDTH) {
                SkinnyTiles.axpy(p0, p1, a, s.ar, aStep, b, bOff + col, ldb, s.tile);
            } else {
                SkinnyTiles.axpyEdge(p0, p1, a, s.ar, aStep, b, bOff + col, ldb, width, s.tile);
            }
        }
    }
}
