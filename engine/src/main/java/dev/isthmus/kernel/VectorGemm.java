package dev.isthmus.kernel;

import dev.isthmus.runtime.ThreadPool;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.isthmus.kernel.GemmKernel.MR;
import static dev.isthmus.kernel.GemmKernel.NR;

/**
 * Pure-Java {@link Gemm} on the Vector API, used when OpenBLAS cannot be loaded, for heap segments, or
 * when selected with {@code -Disthmus.backend=vector}.
 *
 * <p>It is blocked in the manner of Goto and BLIS: for each panel of {@link #NC} columns and
 * {@link #KC} steps of k, op(B) is packed ({@link GemmPack}) into a buffer that stays in the L2/L3
 * cache; for each block of {@link #MC} rows op(A) is packed into one that stays in L2; then the
 * register-tiled {@link GemmKernel} sweeps the block tile by tile. Packing puts every transpose
 * combination, leading dimension and offset into the same layout, so one kernel serves all of them.
 *
 * <p>Large products are cut into a grid of independent blocks of C, one per thread of the engine's
 * {@link ThreadPool} ({@link Split}), each thread packing what its block needs into its own
 * {@link GemmWorkspace}. Blocks are whole tiles and the k blocking does not depend on the split, so the
 * result is bit-for-bit the same on any number of threads. Segments confined to the calling thread are
 * processed on that thread only. Tiny products, and one or two rows of C, skip packing
 * ({@link GemmDirect}).
 *
 * <p>Concurrent calls from different threads on one instance are safe: every thread, caller or worker,
 * packs into its own thread-local workspace, and the pool serialises the multi-threaded parts.
 */
public final class VectorGemm extends Gemm {

    /**
     * Depth of a packed panel: a B micro-panel ({@code KC x NR}, 32 KiB) stays in L1 while the A
     * micro-panels stream past it. Deeper panels mean fewer passes over C: 512 beat 256 and 384 by
     * about 5% at n = 512 to 2048 with AVX2 (and 768 did no better).
     */
    static final int KC = Math.min(512, 8192 / NR);
    /** Rows of a packed A block: {@code MC x KC} floats (144 KiB) stay in L2. */
    static final int MC = Math.max(MR, 36864 / KC / MR * MR);
    /** Columns of a packed B panel: {@code KC x NC} floats (2 MiB) stay in L3. */
    static final int NC = Math.max(NR, (1 << 19) / KC / NR * NR);

    /** Up to this many multiply-adds, packing costs more than it saves. */
    static final long DIRECT_LIMIT = 32;
    /**
     * One or two rows of C with at least this many columns (or, with B transposed, this depth) are
     * faster straight from B: packing all of B for so few rows costs more than the product. Not with
     * both operands transposed, where the direct path would read A with a stride at every step.
     */
    static final int DIRECT_WIDTH = 4 * GemmKernel.S.length();
    /**
     * Each thread gets at least this many multiply-adds (about 0.1 ms of work): handing work to the pool
     * costs about that much when its workers have gone to sleep (measured 130-150 us per
     * {@code parallelFor} on a 2-vCPU KVM guest), so smaller products run faster on one thread.
     */
    static final long WORK_PER_THREAD = 1L << 21;

    private final ThreadPool pool;
    private final long workPerThread;

    public VectorGemm(ThreadPool pool) {
        this(pool, WORK_PER_THREAD);
    }

    /** With a different split threshold, so that tests can split small products over threads. */
    VectorGemm(ThreadPool pool, long workPerThread) {
        this.pool = pool;
        this.workPerThread = workPerThread;
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    void run(boolean transA, boolean transB, int m, int n, int k,
             float alpha, MemorySegment a, long aOff, int lda,
             MemorySegment b, long bOff, int ldb,
             float beta, MemorySegment c, long cOff, int ldc) {
        if (k == 0 || alpha == 0f) {
            GemmDirect.scale(m, n, beta, c, cOff, ldc);
            return;
        }
        long work = (long) m * n * k;
        if (work <= DIRECT_LIMIT || (m <= 2 && !(transA && transB) && (transB ? k : n) >= DIRECT_WIDTH)) {
            GemmDirect.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int parts = pool == null ? 1 : (int) Math.min(pool.threads(), work / workPerThread);
        if (parts <= 1 || !pool.canShare(a) || !pool.canShare(b) || !pool.canShare(c)) {
            blocked(transA, transB, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, 0, m, 0, n);
            return;
        }
        Split split = GemmWorkspace.get().split;
        split.set(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, parts);
        try {
            pool.parallelFor(split.parts(), split);
        } finally {
            split.clear();
        }
    }

    /**
     * The blocked product on rows {@code [i0, i1)} and columns {@code [j0, j1)} of C, on the calling thread
     * with its own workspace.
     */
    static void blocked(boolean transA, boolean transB, int k, float alpha,
                        MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                        float beta, MemorySegment c, long cOff, int ldc, int i0, int i1, int j0, int j1) {
        GemmWorkspace ws = GemmWorkspace.get();
        // Even blocks: k = 257 is two blocks of 129 and 128, not 256 and 1.
        int kBlocks = ceilDiv(k, KC), kcMax = ceilDiv(k, kBlocks);
        int mBlocks = ceilDiv(i1 - i0, MC), mcMax = roundUp(ceilDiv(i1 - i0, mBlocks), MR);
        int ncMax = roundUp(Math.min(NC, j1 - j0), NR);
        MemorySegment pa = ws.a((long) mcMax * kcMax);
        MemorySegment pb = ws.b((long) ncMax * kcMax);
        MemorySegment tile = ws.tile;
        long ldcBytes = (long) ldc * Float.BYTES;
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                // Later k blocks add to what the first one wrote.
                float blockBeta = pc == 0 ? beta : 1f;
                GemmPack.packB(transB, b, bOff, ldb, pc, kc, jc, nc, pb);
                for (int ic = i0; ic < i1; ic += mcMax) {
                    int mc = Math.min(mcMax, i1 - ic);
                    GemmPack.packA(transA, a, aOff, lda, ic, mc, pc, kc, pa);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        long bAt = (long) jr * kc * Float.BYTES;
                        long cAt = (cOff + (long) ic * ldc + jc + jr) * Float.BYTES;
                        for (int ir = 0; ir < mc; ir += MR, cAt += MR * ldcBytes) {
                            GemmKernel.multiply(kc, pa, (long) ir * kc * Float.BYTES, pb, bAt, tile);
                            int mr = Math.min(MR, mc - ir);
                            if (mr == MR && nr == NR) {
                                GemmKernel.store(tile, c, cAt, ldcBytes, alpha, blockBeta);
                            } else {
                                GemmKernel.storeEdge(tile, c, cAt, ldcBytes, mr, nr, alpha, blockBeta);
                            }
                        }
                    }
                }
            }
        }
    }

    private static int ceilDiv(int x, int y) {
        return Math.ceilDiv(x, y);
    }

    private static int roundUp(int x, int multiple) {
        return Math.ceilDiv(x, multiple) * multiple;
    }

    /**
     * The pool task of one multi-threaded call: C cut into a grid of {@code rowParts x colParts} blocks of
     * whole tiles, one per thread. One per calling thread (in its workspace), filled before and cleared
     * after each call, so calls allocate nothing.
     *
     * <p>Threads claim blocks from a counter rather than owning one by index: when the cores are shared
     * with other processes and a worker starts late, the threads already running take its block instead
     * of waiting for it. Which thread computes a block does not change its result.
     *
     * <p>Each thread packs the rows of op(A) and the columns of op(B) its block needs, so the grid's shape
     * trades the work of the largest block against the packing the threads repeat: a square product on
     * two threads is cut in two column halves, a tall narrow one in row stripes, and on many threads a
     * big one in a grid rather than thin stripes that would each pack all of A.
     */
    static final class Split extends GemmArgs implements ThreadPool.RangeTask {
        /** Packing one element costs about as much as this many multiply-adds in the kernel. */
        private static final int PACK_COST = 8;

        private int rowTiles, colTiles;
        private final AtomicInteger next = new AtomicInteger();
        int rowParts, colParts;

        void set(boolean transA, boolean transB, int m, int n, int k, float alpha,
                 MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                 float beta, MemorySegment c, long cOff, int ldc, int parts) {
            setArgs(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            rowTiles = ceilDiv(m, MR);
            colTiles = ceilDiv(n, NR);
            next.set(0);
            long best = Long.MAX_VALUE;
            for (int rp = 1; rp <= Math.min(parts, rowTiles); rp++) {
                int cp = Math.min(parts / rp, colTiles);
                long rows = (long) ceilDiv(rowTiles, rp) * MR, cols = (long) ceilDiv(colTiles, cp) * NR;
                long cost = rows * cols + PACK_COST * (rows + cols);
                if (cost < best) {
                    best = cost;
                    rowParts = rp;
                    colParts = cp;
                }
            }
        }

        int parts() {
            return rowParts * colParts;
        }

        @Override
        public void run(int start, int end, int worker) {
            for (int part; (part = next.getAndIncrement()) < rowParts * colParts; ) {
                int rp = part / colParts, cp = part % colParts;
                int i0 = (int) ((long) rowTiles * rp / rowParts) * MR;
                int i1 = Math.min(m, (int) ((long) rowTiles * (rp + 1) / rowParts) * MR);
                int j0 = (int) ((long) colTiles * cp / colParts) * NR;
                int j1 = Math.min(n, (int) ((long) colTiles * (cp + 1) / colParts) * NR);
                blocked(transA, transB, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, i0, i1, j0, j1);
            }
        }
    }
}
