package dev.isthmus.loss;

import dev.isthmus.kernel.LossKernels;

import java.lang.foreign.MemorySegment;

/**
 * Mean absolute error, PyTorch's {@code nn.L1Loss}: {@code |x - t|} per element; the gradient is
 * {@code sign(x - t)}, and 0 where {@code x == t}, as in PyTorch.
 */
public final class L1Loss extends ElementwiseLoss {
    public L1Loss() {
        this(Reduction.MEAN);
    }

    public L1Loss(Reduction reduction) {
        super(reduction);
    }

    @Override
    double sum(MemorySegment x, MemorySegment t, long n) {
        return LossKernels.absErrorSum(x, t, n);
    }

    @Override
    void grad(MemorySegment x, MemorySegment t, MemorySegment g, long n, float c) {
        LossKernels.absErrorGrad(x, t, g, n, c);
    }
}
