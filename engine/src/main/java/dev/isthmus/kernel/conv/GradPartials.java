package dev.isthmus.kernel.conv;

import dev.isthmus.kernel.PlaneOps;
import dev.isthmus.tensor.TensorBuffer;

import java.lang.foreign.MemorySegment;

/**
 * Per-worker partial sums of the weight and bias gradients of a per-image pass: worker 0 adds into the
 * gradients themselves, every other worker into a zeroed partial buffer of its own, and {@link #reduce}
 * adds the partials in worker order, so the sums do not depend on timing (only on the thread count).
 */
final class GradPartials implements AutoCloseable {
    private final int out, k;
    private final TensorBuffer weights = new TensorBuffer();
    private final TensorBuffer biases = new TensorBuffer();
    private final boolean[] ran;
    private final boolean withWeights;
    private MemorySegment partW, partB, dW, dB;

    /** @param withWeights false when only the bias gradient is summed per worker (the weights' is one GEMM) */
    GradPartials(ConvGeometry g, boolean withWeights) {
        this.out = g.out;
        this.k = g.k;
        this.ran = new boolean[g.workers];
        this.withWeights = withWeights;
        if (g.workers > 1) {
            if (withWeights) {
                partW = weights.get(g.workers - 1, g.checkedInt((long) out * k, "weight-gradient partials")).segment();
            }
            partB = biases.get(g.workers - 1, out).segment();
        }
    }

    /** Starts a backward pass into {@code dW} and {@code dB} (null without bias). */
    void begin(MemorySegment dW, MemorySegment dB) {
        this.dW = dW;
        this.dB = dB;
        java.util.Arrays.fill(ran, false);
    }

    /** Called by {@code worker} before it adds anything: zeroes its partials. */
    void start(int worker) {
        ran[worker] = true;
        if (worker > 0) {
            if (withWeights) {
                PlaneOps.zero(partW, weightOffset(worker), (long) out * k);
            }
            if (dB != null) {
                PlaneOps.zero(partB, biasOffset(worker), out);
            }
        }
    }

    MemorySegment weights(int worker) {
        return worker == 0 ? dW : partW;
    }

    long weightOffset(int worker) {
        return worker == 0 ? 0 : (long) (worker - 1) * out * k;
    }

    /** Where {@code worker} adds the bias gradient, or null without bias. */
    MemorySegment biases(int worker) {
        return dB == null ? null : worker == 0 ? dB : partB;
    }

    long biasOffset(int worker) {
        return worker == 0 ? 0 : (long) (worker - 1) * out;
    }

    /** Adds the partials of the workers that ran, in worker order. */
    void reduce() {
        for (int wk = 1; wk < ran.length; wk++) {
            if (!ran[wk]) {
                continue;
            }
            if (withWeights) {
                PlaneOps.add(partW, weightOffset(wk), dW, 0, (long) out * k);
            }
            if (dB != null) {
                PlaneOps.add(partB, biasOffset(wk), dB, 0, out);
            }
        }
    }

    @Override
    public void close() {
        weights.close();
        biases.close();
    }
}
