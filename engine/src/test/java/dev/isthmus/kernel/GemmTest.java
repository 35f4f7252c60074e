package dev.isthmus.kernel;

import dev.isthmus.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Both GEMM paths against a naive double-precision reference, on random and edge shapes: 1x1, odd
 * sizes, k = 1, sizes that are no multiple of the vector length, every transpose combination,
 * beta != 0, non-default leading dimensions and offsets.
 */
class GemmTest {

    static Stream<Gemm> gemms() {
        Engine e = Engine.get();
        assertTrue(e.openBlas().isPresent(), "OpenBLAS must load in tests; tried: " + dev.isthmus.natives.OpenBlas.attempts());
        return Stream.of(e.gemm(), e.vectorGemm());
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        int[][] shapes = {
                {1, 1, 1}, {1, 7, 1}, {7, 1, 1}, {3, 5, 1}, {2, 3, 4}, {17, 33, 9}, {15, 16, 17}, {31, 1, 65},
                {64, 64, 64}, {65, 63, 129}, {128, 40, 784}, {100, 250, 7}, {5, 300, 300}, {300, 5, 3}, {257, 129, 33},
        };
        for (Gemm g : gemms().toList()) {
            for (int[] s : shapes) {
                for (int t = 0; t < 4; t++) {
                    out.add(Arguments.of(g, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} m={1} n={2} k={3} transA={4} transB={5}")
    @MethodSource("cases")
    void matchesDoubleReference(Gemm gemm, int m, int n, int k, boolean ta, boolean tb) {
        Rng rng = new Rng(m * 1000L + n * 10L + k);
        // Non-default leading dimensions (padding after each row) and non-zero offsets.
        int padA = (m + n + k) % 3, padB = (m * 7 + k) % 4, padC = (n + 1) % 5;
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + padA, ldb = bCols + padB, ldc = n + padC;
        long aOff = 3, bOff = 1, cOff = 5;
        float alpha = 0.75f, beta = -0.5f;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = random(arena, rng, aOff + (long) aRows * lda);
            MemorySegment b = random(arena, rng, bOff + (long) bRows * ldb);
            MemorySegment c = random(arena, rng, cOff + (long) m * ldc + 4);
            double[] expected = new double[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        double av = at(a, aOff + (ta ? (long) p * lda + i : (long) i * lda + p));
                        double bv = at(b, bOff + (tb ? (long) j * ldb + p : (long) p * ldb + j));
                        s += av * bv;
                    }
                    expected[i * n + j] = alpha * s + beta * at(c, cOff + (long) i * ldc + j);
                }
            }
            // Padding must stay untouched: remember it.
            float guard = at(c, cOff + (long) (m - 1) * ldc + n + (padC > 0 ? 0 : 0));
            gemm.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            double tol = 1e-5 * Math.max(1, k);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double got = at(c, cOff + (long) i * ldc + j);
                    double want = expected[i * n + j];
                    double err = Math.abs(got - want) / Math.max(1.0, Math.abs(want));
                    if (err > tol) {
                        fail(gemm.name() + " C[" + i + "," + j + "] = " + got + ", expected " + want + " (rel err " + err + ")");
                    }
                }
            }
            if (padC > 0) {
                assertEquals(guard, at(c, cOff + (long) (m - 1) * ldc + n), "padding after the last row of C was written");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gemms")
    void betaOneAccumulatesAndZeroSizesAreNoOps(Gemm gemm) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1, 2, 3, 4);
            MemorySegment b = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 5, 6, 7, 8);
            MemorySegment c = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1, 1, 1, 1);
            gemm.sgemm(false, false, 2, 2, 2, 1f, a, 2, b, 2, 1f, c, 2);
            assertEquals(20f, at(c, 0));
            assertEquals(23f, at(c, 1));
            assertEquals(44f, at(c, 2));
            assertEquals(51f, at(c, 3));
            gemm.sgemm(false, false, 0, 2, 2, 1f, a, 2, b, 2, 0f, c, 2);
            gemm.sgemm(false, false, 2, 0, 2, 1f, a, 2, b, 1, 0f, c, 1);
            assertEquals(20f, at(c, 0));
        }
    }

    @ParameterizedTest
    @MethodSource("gemms")
    void wrongShapesAreRejectedInJavaWithTheShapesNamed(Gemm gemm) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(6 * 4L, 64);
            MemorySegment b = arena.allocate(6 * 4L, 64);
            MemorySegment c = arena.allocate(4 * 4L, 64);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> gemm.sgemm(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 2));
            assertTrue(e.getMessage().contains("lda >= 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> gemm.sgemm(false, false, 2, 2, 3, 1f, a, 3, b, 3, 0f, c, 2));
            assertTrue(e.getMessage().contains("B stored 3x2"), e.getMessage());
            gemm.sgemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2); // the same call with a fitting ldb is fine
            e = assertThrows(IllegalArgumentException.class,
                    () -> gemm.sgemm(false, false, 1000, 1000, 1000, 1f, a, 1000, b, 1000, 0f, c, 1000));
            assertTrue(e.getMessage().contains("needs"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.sgemm(false, false, -1, 2, 3, 1f, a, 3, b, 2, 0f, c, 2));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.sgemm(true, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.sgemm(false, false, 2, 2, 3, 1f, a, -1, 3, b, 0, 2, 0f, c, 0, 2));
        }
    }

    @Test
    void useAfterCloseThrowsInsteadOfCrashing() {
        Gemm gemm = Engine.get().gemm();
        Arena arena = Arena.ofShared();
        MemorySegment a = arena.allocate(16 * 4L, 64);
        MemorySegment b = arena.allocate(16 * 4L, 64);
        MemorySegment c = arena.allocate(16 * 4L, 64);
        arena.close();
        assertThrows(IllegalStateException.class, () -> gemm.sgemm(false, false, 4, 4, 4, 1f, a, 4, b, 4, 0f, c, 4));
        // at an offset the OpenBLAS path passes raw addresses: it must still refuse freed memory
        assertThrows(IllegalStateException.class,
                () -> gemm.sgemm(false, false, 2, 2, 2, 1f, a, 4, 2, b, 4, 2, 0f, c, 4, 2));
        assertThrows(IllegalStateException.class,
                () -> Engine.get().vectorGemm().sgemm(false, false, 4, 4, 4, 1f, a, 4, b, 4, 0f, c, 4));
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
