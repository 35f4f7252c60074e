package dev.isthmus.nn;

import dev.isthmus.kernel.Activations;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Softmax along one dimension, PyTorch's {@code nn.Softmax(dim)} (default {@code dim = 1}: the classes of
 * an {@code [N, C]} batch). Numerically stable: each slice's maximum is subtracted before {@code exp}, so
 * logits of 1000 give finite probabilities. For training a classifier, feed logits to
 * {@link dev.isthmus.loss.CrossEntropyLoss} instead (it includes a stable log-softmax).
 *
 * <p>The last dimension (rows, the common case) runs the vector kernels; another dimension (e.g. the
 * channels of NCHW) runs a scalar strided kernel.
 */
public class Softmax extends Elementwise {
    private final int dim;

    /** Elementwise state plus the slice geometry of the last input. */
    static final class SoftmaxState extends State {
        int outer, cols, inner;
    }

    public Softmax() {
        this(1);
    }

    /** @param dim the dimension that sums to 1; negative counts from the end, as in PyTorch */
    public Softmax(int dim) {
        this.dim = dim;
    }

    public int dim() {
        return dim;
    }

    @Override
    public int[] outputShape(int... s) {
        int d = dim < 0 ? s.length + dim : dim;
        if (d < 0 || d >= s.length) {
            throw shapeError("a tensor with dimension " + dim, s, null);
        }
        return s.clone();
    }

    @Override
    public LayerState newState() {
        return new SoftmaxState();
    }

    @Override
    public Tensor forward(Tensor x, LayerState state, boolean keep) {
        SoftmaxState s = stateOf(state, SoftmaxState.class);
        int rank = x.rank();
        int d = dim < 0 ? rank + dim : dim;
        if (d < 0 || d >= rank) {
            outputShape(x.shape());
        }
        long o = 1, in = 1;
        for (int i = 0; i < d; i++) {
            o *= x.dim(i);
        }
        for (int i = d + 1; i < rank; i++) {
            in *= x.dim(i);
        }
        s.outer = Math.toIntExact(o);
        s.cols = x.dim(d);
        s.inner = Math.toIntExact(in);
        return super.forward(x, s, keep);
    }

    @Override
    void apply(MemorySegment x, MemorySegment y, long n, State state) {
        SoftmaxState s = (SoftmaxState) state;
        if (s.inner == 1) {
            Activations.softmaxRows(x, y, s.outer, s.cols);
        } else {
            Activations.softmaxStrided(x, y, s.outer, s.cols, s.inner);
        }
    }

    @Override
    void applyBackward(MemorySegment x, MemorySegment y, MemorySegment dy, MemorySegment dx, long n, State state) {
        SoftmaxState s = (SoftmaxState) state;
        if (s.inner == 1) {
            Activations.softmaxRowsBackward(y, dy, dx, s.outer, s.cols);
        } else {
            Activations.softmaxStridedBackward(y, dy, dx, s.outer, s.cols, s.inner);
        }
    }

    @Override
    public String describe() {
        return "Softmax(dim=" + dim + ")";
    }
}
