package dev.isthmus.loss;

import dev.isthmus.kernel.LossKernels;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Binary cross-entropy on probabilities, PyTorch's {@code nn.BCELoss}:
 * {@code -(t log x + (1 - t) log(1 - x))} with each log clamped at -100 (so inputs of exactly 0 or 1 give
 * a finite loss, as in PyTorch) and the gradient {@code (x - t) / max(x (1 - x), 1e-12)}. The input must lie
 * in [0, 1] (checked); targets may be soft. On logits, {@link BCEWithLogitsLoss} is the stable choice.
 */
public final class BCELoss extends ElementwiseLoss {
    public BCELoss() {
        this(Reduction.MEAN);
    }

    public BCELoss(Reduction reduction) {
        super(reduction);
    }

    @Override
    void validate(Tensor in) {
        long bad = LossKernels.firstNonProbability(in.segment(), in.size());
        if (bad >= 0) {
            throw new IllegalArgumentException(describe() + ": input element " + bad + " of " + in.shapeString() + " is "
                    + in.getFlat(bad) + ", not a probability in [0, 1] (apply Sigmoid first, or use BCEWithLogitsLoss on logits)");
        }
    }

    @Override
    double sum(MemorySegment x, MemorySegment t, long n) {
        return LossKernels.bceSum(x, t, n);
    }

    @Override
    void grad(MemorySegment x, MemorySegment t, MemorySegment g, long n, float c) {
        LossKernels.bceGrad(x, t, g, n, c);
    }
}
