package dev.isthmus.loss;

import dev.isthmus.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Base of the losses that compare the input with a target of the same shape element by element; MEAN
 * divides by the number of elements, as PyTorch does.
 */
abstract class ElementwiseLoss extends BaseLoss {
    ElementwiseLoss(Reduction reduction) {
        super(reduction);
    }

    /** Sum of the per-element losses. */
    abstract double sum(MemorySegment x, MemorySegment t, long n);

    /** {@code g = c * dloss/dx} per element. */
    abstract void grad(MemorySegment x, MemorySegment t, MemorySegment g, long n, float c);

    /** Hook for input checks beyond the shape (BCE's probabilities). */
    void validate(Tensor in) {
    }

    @Override
    public float forward(Tensor in, Tensor tgt) {
        if (!in.sameShape(tgt)) {
            String hint = in.size() == tgt.size() ? "reshape the target to " + in.shapeString()
                    + " (PyTorch would broadcast these shapes into a wrong loss)" : null;
            throw shapeError("input and target of the same shape", in, tgt, hint);
        }
        validate(in);
        input = in;
        target = tgt;
        double s = sum(in.segment(), tgt.segment(), in.size());
        return (float) (reduction == Reduction.MEAN ? s / in.size() : s);
    }

    @Override
    public Tensor backward(float scale) {
        Tensor in = lastInput();
        Tensor g = gradLike(in);
        float c = reduction == Reduction.MEAN ? (float) ((double) scale / in.size()) : scale;
        grad(in.segment(), target.segment(), g.segment(), in.size(), c);
        return g;
    }
}
