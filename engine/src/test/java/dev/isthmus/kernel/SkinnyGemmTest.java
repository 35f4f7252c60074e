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
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.isthmus.kernel.SkinnyGemm.KC;
import static dev.isthmus.kernel.SkinnyTiles.L;
import static dev.isthmus.kernel.SkinnyTiles.WIDTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The skinny kernels against a double-precision reference on the shapes where their tiles end: rows of
 * the batch not a multiple of 4 (1, 3, 5, 63, 64), columns one below, at and above a tile width, depths
 * around a vector length and the depth block, with padded leading dimensions and offsets, alpha and beta;
 * every element outside C left alone, one and four threads bit-identical, beta = 0 over NaNs.
 */
class SkinnyGemmTest {
    private static ThreadPool one;
    private static ThreadPool four;
    private static SkinnyGemm serial;
    private static SkinnyGemm parallel;

    @BeforeAll
    static void pools() {
        one = new ThreadPool(1);
        four = new ThreadPool(4);
        serial = new SkinnyGemm(one);
        parallel = new SkinnyGemm(four, 1 << 10);
    }

    @AfterAll
    static void close() {
        one.close();
        four.close();
    }

    /** (transA, transB, m, n, k) for each of the three products at its edges. */
    static Stream<Arguments> edges() {
        List<Arguments> out = new ArrayList<>();
        int[] batch = {1, 3, 4, 5, 63, 64};
        int[][] forward = {{1, 1}, {3, L - 1}, {5, L}, {7, L + 1}, {4, 2 * L + 3}, {9, 300}, {WIDTH + 1, 5 * L}};
        for (int m : batch) {
            for (int[] nk : forward) {
                out.add(Arguments.of(false, true, m, nk[0], nk[1]));
            }
        }
        int[][] inputGrad = {{1, 1}, {WIDTH - 1, 7}, {WIDTH, L + 1}, {WIDTH + 1, KC}, {2 * WIDTH + 3, KC + 1},
                {L + 3, 2 * KC + 5}, {3, 40}};
        for (int m : batch) {
            for (int[] nk : inputGrad) {
                out.add(Arguments.of(false, false, m, nk[0], nk[1]));
            }
        }
        int[][] weightGrad = {{1, 1, 1}, {5, WIDTH - 1, 3}, {17, WIDTH, 16}, {130, WIDTH + 1, 64}, {6, 2 * WIDTH + 3, 63},
                {3, L - 1, 1}};
        for (int[] mnk : weightGrad) {
            out.add(Arguments.of(true, false, mnk[0], mnk[1], mnk[2]));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "transA={0} transB={1} m={2} n={3} k={4}")
    @MethodSource("edges")
    void edgesMatchTheDoubleReferenceOnOneAndFourThreads(boolean ta, boolean tb, int m, int n, int k) {
        try (Arena arena = Arena.ofShared()) {
            long seed = m * 31L + n * 7L + k;
            GemmProblem p = new GemmProblem(arena, new Rng(seed), m, n, k, ta, tb, 3, 0.5f, -1.25f);
            p.run(serial);
            p.verify("skinny, 1 thread");
            GemmProblem q = new GemmProblem(arena, new Rng(seed), m, n, k, ta, tb, 3, 0.5f, -1.25f);
            q.run(parallel);
            GemmProblem.assertBitIdentical(p.c, q.c, "1 vs 4 threads, " + p);
        }
    }

    @Test
    void betaZeroOverwritesNaNs() {
        try (Arena arena = Arena.ofShared()) {
            for (boolean[] t : new boolean[][]{{false, true}, {false, false}, {true, false}}) {
                GemmProblem p = new GemmProblem(arena, new Rng(4), 5, WIDTH + 3, 2 * L + 1, t[0], t[1], 1, 1.5f, 0f);
                p.fillWindow(Float.NaN);
                p.run(parallel);
                p.verify("beta = 0 over NaN, " + p);
            }
        }
    }

    @Test
    void openBlasGemmRoutesSkinnyProductsAndGetsTheSameAnswer() {
        VectorGemm fallback = new VectorGemm(one);
        OpenBlasGemm routed = new OpenBlasGemm(fallback, parallel);
        assertTrue(routed.routesToSkinny(false, true, 3, 600, 1800));
        assertFalse(new OpenBlasGemm(fallback).routesToSkinny(false, true, 3, 600, 1800));
        try (Arena arena = Arena.ofShared()) {
            for (boolean[] t : new boolean[][]{{false, true}, {false, false}}) {
                GemmProblem p = new GemmProblem(arena, new Rng(8), 3, 600, 1800, t[0], t[1], 1, 1f, 0.5f);
                p.run(routed);
                p.verify("OpenBlasGemm routing to SkinnyGemm, " + p);
                GemmProblem q = new GemmProblem(arena, new Rng(8), 3, 600, 1800, t[0], t[1], 1, 1f, 0.5f);
                q.run(serial);
                GemmProblem.assertBitIdentical(q.c, p.c, "routed = SkinnyGemm itself, " + p);
            }
        }
    }

    @Test
    void theShapesOfALinearLayerAreSkinnyAndOthersAreNot() {
        // AlexNet's Linear(9216 -> 4096) at batch 16: forward, dX, dW
        assertEquals(SkinnyGemm.Kind.FORWARD, SkinnyGemm.kind(false, true, 16, 4096, 9216));
        assertEquals(SkinnyGemm.Kind.INPUT_GRAD, SkinnyGemm.kind(false, false, 16, 9216, 4096));
        assertEquals(SkinnyGemm.Kind.WEIGHT_GRAD, SkinnyGemm.kind(true, false, 4096, 9216, 16));
        assertTrue(SkinnyGemm.accepts(false, true, 16, 4096, 9216));
        assertTrue(SkinnyGemm.accepts(false, false, 16, 9216, 4096));
        assertFalse(SkinnyGemm.accepts(true, false, 4096, 9216, 16), "dW stays with OpenBLAS (faster there)");
        assertFalse(SkinnyGemm.accepts(false, true, 64, 4096, 9216), "batch 64 stays with OpenBLAS (as fast)");
        assertNull(SkinnyGemm.kind(false, true, 65, 4096, 9216), "more than 64 rows is a general GEMM");
        assertNull(SkinnyGemm.kind(true, true, 16, 16, 16));
        assertNull(SkinnyGemm.kind(true, false, 4096, 9216, 65));
        assertNull(SkinnyGemm.kind(false, true, 16, 4096, 0), "k = 0 only scales C: the general path's job");
        assertFalse(SkinnyGemm.accepts(false, true, 16, 10, 4096), "a 4096 -> 10 layer is below the size threshold");
        try (Arena arena = Arena.ofConfined()) {
            GemmProblem p = new GemmProblem(arena, new Rng(1), 65, 8, 8, false, true, 0, 1f, 0f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run(serial));
            assertTrue(e.getMessage().contains("m=65") && e.getMessage().contains("not a skinny product"), e.getMessage());
        }
    }
}
