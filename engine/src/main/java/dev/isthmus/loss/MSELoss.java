package dev.isthmus.loss;

import dev.isthmus.kernel.LossKernels;

import java.lang.foreign.MemorySegment;

/** Mean squared error, PyTorch's {@code nn.MSELoss}: {@code (x - t)^2} per element, target of the input's shape. */
public final class MSELoss extends ElementwiseLoss {
    public MSELoss() {
        this(Reduction.MEAN);
    }

    public MSELoss(Reduction reduction) {
        super(reduction);
    }

    @Override
    double sum(MemorySegment x, MemorySegment t, long n) {
        return LossKernels.squaredErrorSum(x, t, n);
    }

    @Override
    void grad(MemorySegment x, MemorySegment t, MemorySegment g, long n, float c) {
        LossKernels.squaredErrorGrad(x, t, g, n, c);
    }
}
