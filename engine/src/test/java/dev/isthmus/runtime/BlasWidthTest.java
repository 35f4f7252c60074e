package dev.isthmus.runtime;

import dev.isthmus.kernel.Engine;

import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small products run on one OpenBLAS thread, large ones on the whole budget, engine-parallel regions on one. */
class BlasWidthTest {

    @AfterEach
    void restore() {
        Engine.configure(Engine.defaultThreads(), Engine.Backend.AUTO);
    }

    @Test
    void widthFollowsTheProductSize() {
        Engine e = Engine.configure(2, Engine.Backend.AUTO);
        assertTrue(e.openBlas().isPresent(), "OpenBLAS must load in tests");
        ThreadBudget b = e.threads();
        b.fitBlasTo(ThreadBudget.BLAS_PARALLEL_MIN_MACS - 1);
        assertEquals(1, b.blasThreads());
        b.fitBlasTo(ThreadBudget.BLAS_PARALLEL_MIN_MACS);
        assertEquals(2, b.blasThreads());
        int[] seen = new int[2];
        b.parallelFor(2, (start, end, worker) -> {
            b.fitBlasTo(Long.MAX_VALUE); // must not widen OpenBLAS under the engine's own workers
            seen[worker] = b.blasThreads();
        });
        assertEquals(1, seen[0]);
        assertEquals(1, seen[1]);
        assertEquals(2, b.blasThreads(), "the budget is restored after the parallel region");

        // a small GEMM through the engine narrows OpenBLAS, and still computes the product
        try (Tensor a = Tensor.of(new float[]{1, 2, 3, 4}, 2, 2); Tensor c = Tensor.zeros(2, 2)) {
            e.gemm().matmul(a, a, c);
            assertEquals(1, b.blasThreads());
            assertEquals(7f, c.getFlat(0));
            assertEquals(22f, c.getFlat(3));
        }
    }

    @Test
    void deterministicModeKeepsOpenBlasOnOneThread() {
        assertTrue(Engine.get().openBlas().isPresent(), "OpenBLAS must load in tests");
        try (ThreadBudget b = new ThreadBudget(2, true, true)) {
            assertTrue(b.deterministic());
            assertEquals(1, b.blasThreads());
            b.fitBlasTo(Long.MAX_VALUE);
            assertEquals(1, b.blasThreads());
            b.parallelFor(2, (start, end, worker) -> { });
            assertEquals(1, b.blasThreads(), "still one thread after an engine-parallel region");
        }
    }
}
