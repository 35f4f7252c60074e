package dev.isthmus.loss;

import dev.isthmus.kernel.LossKernels;

import java.lang.foreign.MemorySegment;

/**
 * Binary cross-entropy on logits, PyTorch's {@code nn.BCEWithLogitsLoss}: BCE of {@code sigmoid(x)} computed
 * as {@code max(x, 0) - x t + log(1 + exp(-|x|))}, which neither overflows nor loses precision for large
 * |x|; gradient {@code sigmoid(x) - t}.
 */
public final class BCEWithLogitsLoss extends ElementwiseLoss {
    public BCEWithLogitsLoss() {
        this(Reduction.MEAN);
    }

    public BCEWithLogitsLoss(Reduction reduction) {
        super(reduction);
    }

    @Override
    double sum(MemorySegment x, MemorySegment t, long n) {
        return LossKernels.bceWithLogitsSum(x, t, n);
    }

    @Override
    void grad(MemorySegment x, MemorySegment t, MemorySegment g, long n, float c) {
        LossKernels.bceWithLogitsGrad(x, t, g, n, c);
    }
}
