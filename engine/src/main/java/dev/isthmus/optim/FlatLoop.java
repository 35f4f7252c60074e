package dev.isthmus.optim;

import dev.isthmus.kernel.Engine;
import dev.isthmus.runtime.ThreadPool;

/**
 * Runs a block body over every block of a {@link BlockPlan} on the engine's pool and sums the doubles
 * the blocks return, in block order (so the sum does not depend on the thread count). One instance per
 * user, reused every step: nothing is allocated once the partial-sum array has grown to the plan.
 * Not thread-safe (one call at a time per instance).
 */
final class FlatLoop {

    /** The work on one block {@code [from, to)} of the flat buffers; returns its partial sum (or 0). */
    @FunctionalInterface
    interface Body {
        double run(long from, long to, boolean decay);
    }

    private final ThreadPool.RangeTask task = this::runBlocks;
    private BlockPlan plan;
    private Body body;
    private double[] partials = new double[0];

    double run(BlockPlan plan, Body body) {
        if (partials.length < plan.count) {
            partials = new double[plan.count];
        }
        this.plan = plan;
        this.body = body;
        try {
            if (plan.count == 1) {
                runBlocks(0, 1, 0);
            } else {
                Engine.get().threads().pool().parallelFor(plan.count, task);
            }
        } finally {
            this.body = null;
            this.plan = null;
        }
        double sum = 0;
        for (int b = 0; b < plan.count; b++) {
            sum += partials[b];
        }
        return sum;
    }

    private void runBlocks(int start, int end, int worker) {
        BlockPlan p = plan;
        Body k = body;
        for (int b = start; b < end; b++) {
            partials[b] = k.run(p.from[b], p.to[b], p.decay[b]);
        }
    }
}
