package dev.isthmus.loss;

import dev.isthmus.kernel.Activations;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Cross-entropy of logits against class indices, PyTorch's {@code nn.CrossEntropyLoss}: input
 * {@code [N, C]} raw scores (no softmax before it), target {@code [N]} holding class indices as floats.
 * Per sample {@code logsumexp(x) - x[t]}, computed with the row maximum subtracted, so logits of 1000 are
 * fine; MEAN averages over the N samples. Backward is {@code softmax(x) - onehot(t)}, from the
 * probabilities kept by forward.
 */
public final class CrossEntropyLoss extends BaseLoss {
    private final TensorBuffer probs = new TensorBuffer();
    private int[] classes = new int[0];
    private Tensor prob;
    private Tensor probFor;

    public CrossEntropyLoss() {
        this(Reduction.MEAN);
    }

    public CrossEntropyLoss(Reduction reduction) {
        super(reduction);
    }

    @Override
    public float forward(Tensor in, Tensor tgt) {
        if (in.rank() != 2 || tgt.rank() != 1 || tgt.dim(0) != in.dim(0)) {
            String hint = null;
            if (in.rank() == 2 && tgt.rank() == 2 && tgt.dim(0) == in.dim(0)) {
                hint = tgt.dim(1) == 1 ? "reshape the target to [" + in.dim(0) + "]"
                        : "targets are class indices, not one-hot rows";
            } else if (in.rank() > 2) {
                hint = "flatten the logits to [N, C]";
            }
            throw shapeError("input [N, C] logits and target [N] class indices", in, tgt, hint);
        }
        int n = in.dim(0), c = in.dim(1);
        if (classes.length < n) {
            classes = new int[n];
        }
        MemorySegment t = tgt.segment();
        for (int i = 0; i < n; i++) {
            float v = t.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
            int k = (int) v;
            if (k != v || k < 0 || k >= c) {
                throw new IllegalArgumentException(describe() + ": target[" + i + "] = " + v + " is not a class index in [0, "
                        + c + ") (input " + in.shapeString() + ")");
            }
            classes[i] = k;
        }
        Tensor p = in == probFor ? prob : probs.get(n, c);
        probFor = in;
        MemorySegment x = in.segment(), ps = p.segment();
        double total = 0;
        for (int i = 0; i < n; i++) {
            long off = (long) i * c;
            float m = Activations.rowMax(x, off, c);
            double sum = Activations.expShifted(x, ps, off, c, m);
            Activations.scale(ps, off, c, (float) (1.0 / sum));
            total += m + Math.log(sum) - in.getFlat(off + classes[i]);
        }
        input = in;
        target = tgt;
        prob = p;
        return (float) (reduction == Reduction.MEAN ? total / n : total);
    }

    @Override
    public Tensor backward(float scale) {
        Tensor in = lastInput();
        int n = in.dim(0), c = in.dim(1);
        float k = reduction == Reduction.MEAN ? (float) ((double) scale / n) : scale;
        Tensor g = gradLike(in);
        g.copyFrom(prob);
        Activations.scale(g.segment(), 0, (long) n * c, k);
        for (int i = 0; i < n; i++) {
            long at = (long) i * c + classes[i];
            g.setFlat(at, g.getFlat(at) - k);
        }
        return g;
    }

    /** The softmax probabilities of the last forward ({@code [N, C]}; valid until the next forward). */
    public Tensor probabilities() {
        lastInput();
        return prob;
    }

    @Override
    public void close() {
        probs.close();
        prob = probFor = null;
        super.close();
    }
}
