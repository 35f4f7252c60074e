package dev.isthmus.kernel;

import dev.isthmus.runtime.ThreadPool;
import dev.isthmus.tensor.Rng;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static dev.isthmus.kernel.GemmKernel.MR;
import static dev.isthmus.kernel.GemmKernel.NR;
import static dev.isthmus.kernel.VectorGemm.KC;
import static dev.isthmus.kernel.VectorGemm.MC;
import static dev.isthmus.kernel.VectorGemm.NC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What {@link GemmTest} does not reach in the blocked {@link VectorGemm}: shapes one below, at and one
 * above its block sizes in every dimension (tile, A block, k panel, B panel), every element outside C's
 * window left alone, bit-identical results on 1 and 4 threads (row stripes, column stripes and a 2 x 2 grid), beta = 0 over NaNs, alpha = 0 and k = 0,
 * heap and confined segments, and concurrent calls from two threads on one instance.
 */
class VectorGemmTest {

    private static final long SPLIT = 1 << 12;
    private static ThreadPool one;
    private static ThreadPool four;
    private static VectorGemm serial;
    private static VectorGemm parallel;

    @BeforeAll
    static void pools() {
        one = new ThreadPool(1);
        four = new ThreadPool(4);
        serial = new VectorGemm(one);
        // A low split threshold, so that even the small shapes here are cut into up to four blocks.
        parallel = new VectorGemm(four, SPLIT);
    }

    @AfterAll
    static void close() {
        one.close();
        four.close();
    }

    static Stream<Arguments> blockBoundaries() {
        List<Arguments> out = new ArrayList<>();
        int[][] shapes = {
                {MR - 1, NR + 1, KC + 1}, {MR + 1, NR - 1, KC - 1}, {MR, NR, KC},
                {MC + 1, 2 * NR + 3, 2 * KC + 1}, {MC - 1, 3 * NR - 1, KC}, {MC, NR + 5, 9},
                {2 * MC + 7, 41, 30}, {9, NC + 1, 5}, {13, NC - 1, KC + 3},
        };
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                out.add(Arguments.of(s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("blockBoundaries")
    void blockBoundariesMatchTheReferenceAndLeaveEverythingElseAlone(int m, int n, int k, boolean ta, boolean tb) {
        try (Arena arena = Arena.ofShared()) {
            Problem p = new Problem(arena, new Rng(m * 31L + n * 7L + k), m, n, k, ta, tb, 2, 0.5f, -1.25f);
            p.run(parallel);
            p.verify("4 threads");
            Problem q = new Problem(arena, new Rng(m * 31L + n * 7L + k), m, n, k, ta, tb, 2, 0.5f, -1.25f);
            q.run(serial);
            assertBitIdentical(p.c, q.c, "1 vs 4 threads, m=" + m + " n=" + n + " k=" + k);
        }
    }

    static Stream<Arguments> splits() {
        // Tall and narrow (row stripes), short and wide (column stripes), square (a 2 x 2 grid), odd tile counts.
        return Stream.of(Arguments.of(600, 20, 70), Arguments.of(20, 700, 50), Arguments.of(128, 128, 300),
                Arguments.of(7 * MR + 1, 5 * NR + 3, KC + 17));
    }

    @Test
    void theGridFollowsTheShape() {
        assertGrid(600, 20, 4, 1);
        assertGrid(20, 700, 1, 4);
        assertGrid(128, 128, 2, 2);
    }

    private static void assertGrid(int m, int n, int rowParts, int colParts) {
        VectorGemm.Split split = new VectorGemm.Split();
        split.set(false, false, m, n, 64, 1f, null, 0, 1, null, 0, 1, 0f, null, 0, 1, 4);
        assertEquals(rowParts + " x " + colParts, split.rowParts + " x " + split.colParts, "grid for C " + m + "x" + n + " on 4 threads");
    }

    @ParameterizedTest(name = "m={0} n={1} k={2}")
    @MethodSource("splits")
    void threadCountDoesNotChangeOneBit(int m, int n, int k) {
        try (Arena arena = Arena.ofShared()) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                Problem p = new Problem(arena, new Rng(k), m, n, k, ta, tb, 1, 1.5f, 0.25f);
                Problem q = new Problem(arena, new Rng(k), m, n, k, ta, tb, 1, 1.5f, 0.25f);
                p.run(serial);
                q.run(parallel);
                p.verify("1 thread");
                assertBitIdentical(p.c, q.c, "m=" + m + " n=" + n + " k=" + k + " transA=" + ta + " transB=" + tb);
            }
        }
    }

    @Test
    void betaZeroOverwritesNaNsInEveryPath() {
        // Direct (tiny, and m <= 2 with many columns), blocked on one thread, blocked on four.
        int[][] shapes = {{3, 3, 3}, {2, 300, 40}, {3, 4, 5}, {40, 30, 20}, {100, 90, 200}};
        try (Arena arena = Arena.ofShared()) {
            for (int[] s : shapes) {
                for (int t = 0; t < 4; t++) {
                    Problem p = new Problem(arena, new Rng(s[0]), s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, 1, 0.75f, 0f);
                    p.fillWindow(Float.NaN);
                    p.run(parallel);
                    p.verify("beta = 0 over NaN, m=" + s[0] + " n=" + s[1] + " k=" + s[2]);
                }
            }
        }
    }

    @Test
    void nothingToAddScalesC() {
        try (Arena arena = Arena.ofShared()) {
            for (int[] s : new int[][]{{3, 5}, {200, 300}}) {
                int m = s[0], n = s[1];
                // k = 0: C = beta * C, and beta = 0 clears NaNs.
                Problem p = new Problem(arena, new Rng(1), m, n, 0, false, false, 3, 1f, 2f);
                p.run(parallel);
                p.verify("k = 0, beta = 2");
                p = new Problem(arena, new Rng(2), m, n, 0, true, true, 3, 1f, 0f);
                p.fillWindow(Float.NaN);
                p.run(parallel);
                p.verify("k = 0, beta = 0");
                // alpha = 0: A and B are not read (as in BLAS), so their NaNs do not reach C.
                p = new Problem(arena, new Rng(3), m, n, 64, false, true, 3, 0f, -0.5f);
                p.a.fill((byte) 0xff);
                p.run(parallel);
                p.verify("alpha = 0, beta = -0.5");
            }
        }
    }

    @Test
    void heapAndConfinedSegmentsWork() {
        int m = 130, n = 90, k = 270;
        try (Arena shared = Arena.ofShared(); Arena confined = Arena.ofConfined()) {
            Problem ref = new Problem(shared, new Rng(9), m, n, k, true, false, 1, 1f, 0.5f);
            ref.run(serial);
            ref.verify("native, 1 thread");

            Problem heap = new Problem(shared, new Rng(9), m, n, k, true, false, 1, 1f, 0.5f);
            MemorySegment ha = MemorySegment.ofArray(heap.a.toArray(ValueLayout.JAVA_FLOAT));
            MemorySegment hb = MemorySegment.ofArray(heap.b.toArray(ValueLayout.JAVA_FLOAT));
            MemorySegment hc = MemorySegment.ofArray(heap.c.toArray(ValueLayout.JAVA_FLOAT));
            parallel.sgemm(true, false, m, n, k, 1f, ha, heap.aOff, heap.lda, hb, heap.bOff, heap.ldb, 0.5f, hc, heap.cOff, heap.ldc);
            assertBitIdentical(ref.c, hc, "heap segments on 4 threads");

            // Confined to this thread: the pool's workers must not touch them, so the call runs here.
            Problem conf = new Problem(confined, new Rng(9), m, n, k, true, false, 1, 1f, 0.5f);
            conf.run(parallel);
            assertBitIdentical(ref.c, conf.c, "confined segments");
        }
    }

    @Test
    void concurrentCallsOnOneInstanceDoNotInterfere() throws Exception {
        // Two threads at once, each with shapes that go through the pool and shapes that run inline,
        // so both contend for the pool and run beside it; each result must equal the serial one.
        int[][] shapes = {{100, 90, 200}, {37, 45, 61}, {64, 300, 20}, {5, 7, 9}};
        try (Arena arena = Arena.ofShared(); ExecutorService exec = Executors.newFixedThreadPool(2);
             ThreadPool two = new ThreadPool(2)) {
            VectorGemm shared = new VectorGemm(two, SPLIT);
            List<Problem> expected = new ArrayList<>();
            List<List<Problem>> work = List.of(new ArrayList<>(), new ArrayList<>());
            for (int i = 0; i < shapes.length; i++) {
                int[] s = shapes[i];
                Problem e = new Problem(arena, new Rng(i), s[0], s[1], s[2], i % 2 == 0, i % 3 == 0, 1, 0.5f, 0f);
                e.run(serial);
                expected.add(e);
                for (List<Problem> w : work) {
                    w.add(new Problem(arena, new Rng(i), s[0], s[1], s[2], i % 2 == 0, i % 3 == 0, 1, 0.5f, 0f));
                }
            }
            CyclicBarrier start = new CyclicBarrier(2);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                List<Problem> mine = work.get(t);
                int offset = t;
                done.add(exec.submit(() -> {
                    start.await();
                    for (int round = 0; round < 3; round++) {
                        for (int i = 0; i < mine.size(); i++) {
                            Problem p = mine.get((i + offset) % mine.size());
                            // beta = 0, so every round recomputes the same C from scratch.
                            p.run(shared);
                            Problem e = expected.get((i + offset) % mine.size());
                            assertBitIdentical(e.c, p.c, "thread " + offset + " round " + round + " shape " + e);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
    }

    /** One call's operands with padded leading dimensions and offsets, and a double reference. */
    private static final class Problem {
        final int m, n, k, lda, ldb, ldc;
        final boolean ta, tb;
        final long aOff = 3, bOff = 5, cOff = 7;
        final float alpha, beta;
        final MemorySegment a, b, c;
        final float[] before;

        Problem(Arena arena, Rng rng, int m, int n, int k, boolean ta, boolean tb, int pad, float alpha, float beta) {
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
    }

    private static void assertBitIdentical(MemorySegment expected, MemorySegment actual, String what) {
        assertEquals(expected.byteSize(), actual.byteSize(), what);
        long mismatch = expected.mismatch(actual);
        assertTrue(mismatch < 0, () -> what + ": first difference at float " + mismatch / Float.BYTES + ": "
                + expected.get(ValueLayout.JAVA_FLOAT_UNALIGNED, mismatch & ~3L) + " vs "
                + actual.get(ValueLayout.JAVA_FLOAT_UNALIGNED, mismatch & ~3L));
    }

    private static MemorySegment random(Arena arena, Rng rng, long n) {
        MemorySegment s = arena.allocate(n * Float.BYTES, 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, rng.uniform(-1, 1));
        }
        return s;
    }

    private static float at(MemorySegment s, long i) {
        return s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
    }
}
