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
            GemmProblem p = new GemmProblem(arena, new Rng(m * 31L + n * 7L + k), m, n, k, ta, tb, 2, 0.5f, -1.25f);
            p.run(parallel);
            p.verify("4 threads");
            GemmProblem q = new GemmProblem(arena, new Rng(m * 31L + n * 7L + k), m, n, k, ta, tb, 2, 0.5f, -1.25f);
            q.run(serial);
            GemmProblem.assertBitIdentical(p.c, q.c, "1 vs 4 threads, m=" + m + " n=" + n + " k=" + k);
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
                GemmProblem p = new GemmProblem(arena, new Rng(k), m, n, k, ta, tb, 1, 1.5f, 0.25f);
                GemmProblem q = new GemmProblem(arena, new Rng(k), m, n, k, ta, tb, 1, 1.5f, 0.25f);
                p.run(serial);
                q.run(parallel);
                p.verify("1 thread");
                GemmProblem.assertBitIdentical(p.c, q.c, "m=" + m + " n=" + n + " k=" + k + " transA=" + ta + " transB=" + tb);
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
                    GemmProblem p = new GemmProblem(arena, new Rng(s[0]), s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, 1, 0.75f, 0f);
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
                GemmProblem p = new GemmProblem(arena, new Rng(1), m, n, 0, false, false, 3, 1f, 2f);
                p.run(parallel);
                p.verify("k = 0, beta = 2");
                p = new GemmProblem(arena, new Rng(2), m, n, 0, true, true, 3, 1f, 0f);
                p.fillWindow(Float.NaN);
                p.run(parallel);
                p.verify("k = 0, beta = 0");
                // alpha = 0: A and B are not read (as in BLAS), so their NaNs do not reach C.
                p = new GemmProblem(arena, new Rng(3), m, n, 64, false, true, 3, 0f, -0.5f);
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
            GemmProblem ref = new GemmProblem(shared, new Rng(9), m, n, k, true, false, 1, 1f, 0.5f);
            ref.run(serial);
            ref.verify("native, 1 thread");

            GemmProblem heap = new GemmProblem(shared, new Rng(9), m, n, k, true, false, 1, 1f, 0.5f);
            MemorySegment ha = MemorySegment.ofArray(heap.a.toArray(ValueLayout.JAVA_FLOAT));
            MemorySegment hb = MemorySegment.ofArray(heap.b.toArray(ValueLayout.JAVA_FLOAT));
            MemorySegment hc = MemorySegment.ofArray(heap.c.toArray(ValueLayout.JAVA_FLOAT));
            parallel.sgemm(true, false, m, n, k, 1f, ha, heap.aOff, heap.lda, hb, heap.bOff, heap.ldb, 0.5f, hc, heap.cOff, heap.ldc);
            GemmProblem.assertBitIdentical(ref.c, hc, "heap segments on 4 threads");

            // Confined to this thread: the pool's workers must not touch them, so the call runs here.
            GemmProblem conf = new GemmProblem(confined, new Rng(9), m, n, k, true, false, 1, 1f, 0.5f);
            conf.run(parallel);
            GemmProblem.assertBitIdentical(ref.c, conf.c, "confined segments");
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
            List<GemmProblem> expected = new ArrayList<>();
            List<List<GemmProblem>> work = List.of(new ArrayList<>(), new ArrayList<>());
            for (int i = 0; i < shapes.length; i++) {
                int[] s = shapes[i];
                GemmProblem e = new GemmProblem(arena, new Rng(i), s[0], s[1], s[2], i % 2 == 0, i % 3 == 0, 1, 0.5f, 0f);
                e.run(serial);
                expected.add(e);
                for (List<GemmProblem> w : work) {
                    w.add(new GemmProblem(arena, new Rng(i), s[0], s[1], s[2], i % 2 == 0, i % 3 == 0, 1, 0.5f, 0f));
                }
            }
            CyclicBarrier start = new CyclicBarrier(2);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                List<GemmProblem> mine = work.get(t);
                int offset = t;
                done.add(exec.submit(() -> {
                    start.await();
                    for (int round = 0; round < 3; round++) {
                        for (int i = 0; i < mine.size(); i++) {
                            GemmProblem p = mine.get((i + offset) % mine.size());
                            // beta = 0, so every round recomputes the same C from scratch.
                            p.run(shared);
                            GemmProblem e = expected.get((i + offset) % mine.size());
                            GemmProblem.assertBitIdentical(e.c, p.c, "thread " + offset + " round " + round + " shape " + e);
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
}
