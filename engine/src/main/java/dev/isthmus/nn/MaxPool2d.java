package dev.isthmus.nn;

import dev.isthmus.kernel.pool.MaxPool;
import dev.isthmus.tensor.Tensor;

/**
 * 2-D max pooling, PyTorch's {@code nn.MaxPool2d}: input {@code [N, C, H, W]}, output
 * {@code [N, C, OH, OW]} with {@code OH = floor((H + 2 ph - kh) / sh) + 1}; the stride defaults to the kernel
 * size. Padding counts as {@code -inf} (a padded pixel never wins) and may be at most half the kernel.
 *
 * <p>Forward records, for every output, which input pixel won (in an int buffer sized once per batch shape);
 * backward sends each output gradient to that pixel, so ties are broken as in PyTorch (first in row-major
 * window order) and gradients match PyTorch's exactly.
 */
public class MaxPool2d extends Pool2d {
    /** Square window {@code kernel}, stride {@code kernel}, no padding. */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public MaxPool2d(int kernel, int stride) {
        this(kernel, stride, 0);
    }

    public MaxPool2d(int kernel, int stride, int padding) {
        this(kernel, kernel, stride, stride, padding, padding);
    }

    /** Window {@code kh x kw}, stride {@code (sh, sw)}, padding {@code (ph, pw)}. */
    public MaxPool2d(int kh, int kw, int sh, int sw, int ph, int pw) {
        super(kh, kw, sh, sw, ph, pw);
    }

    @Override
    void beforeForward(State s, Tensor y, boolean keep) {
        if (!keep) {
            s.winners = null; // an inference pass keeps no winners: the kernel skips the index stores
            return;
        }
        long outs = y.size();
        if (outs > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(describe() + ": output " + y.shapeString() + " is too large for an index buffer");
        }
        if (s.argmax == null || s.argmax.length < outs) {
            s.argmax = new int[(int) outs];
        }
        s.winners = s.argmax;
    }

    @Override
    void forwardPlanes(State s, int start, int end, int worker) {
        int hw = s.h * s.w, ohw = s.oh * s.ow;
        MaxPool.forward(s.xSeg, (long) start * hw, s.ySeg, (long) start * ohw, s.winners, start * ohw, end - start,
                s.h, s.w, kh, kw, sh, sw, ph, pw, s.scratchSeg, worker * s.scratchSize);
    }

    @Override
    void backwardPlanes(State s, int start, int end, int worker) {
        int hw = s.h * s.w, ohw = s.oh * s.ow;
        MaxPool.backward(s.ySeg, (long) start * ohw, s.argmax, start * ohw, s.xSeg, (long) start * hw, end - start,
                s.h, s.w, s.oh, s.ow);
    }

    @Override
    public String describe() {
        return "MaxPool2d(" + geometry() + ")";
    }
}
