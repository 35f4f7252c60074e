package dev.isthmus.testing;

import java.lang.management.ManagementFactory;

/**
 * Heap bytes the current thread allocates (HotSpot's per-thread counter), for the tests that prove a hot
 * path allocates nothing.
 */
public final class Allocations {
    private Allocations() {
    }

    /** Bytes allocated while running {@code r} once, less the counter's own cost. */
    public static long measure(Runnable r) {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long overhead = bean.getThreadAllocatedBytes(id);
        overhead = bean.getThreadAllocatedBytes(id) - overhead;
        long before = bean.getThreadAllocatedBytes(id);
        r.run();
        return bean.getThreadAllocatedBytes(id) - before - overhead;
    }

    /**
     * The steady-state allocation of {@code step}: the fewest bytes allocated by a round of {@code perRound}
     * calls, over rounds repeated until one allocates at most {@code goal} bytes or {@code budgetMillis} pass.
     * Until C2 compiles them, Vector API loops box their vectors and allocate; on a loaded machine (shared CI
     * cores) that can last seconds, so one round after a fixed warm-up is not proof either way. A path that
     * really allocates per call allocates in every round and still fails.
     */
    public static long steadyState(Runnable step, int perRound, long goal, long budgetMillis) {
        long deadline = System.nanoTime() + budgetMillis * 1_000_000L;
        long best = Long.MAX_VALUE;
        do {
            long bytes = measure(() -> {
                for (int i = 0; i < perRound; i++) {
                    step.run();
                }
            });
            best = Math.min(best, bytes);
        } while (best > goal && System.nanoTime() < deadline);
        return best;
    }
}
