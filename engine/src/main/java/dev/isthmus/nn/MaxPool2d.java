package dev.isthmus.nn;

import dev.isthmus.kernel.Pooling;
import dev.isthmus.runtime.ThreadPool;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.MemorySegment;

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
    private int[] argmax = new int[0];
    private MemorySegment xSeg, ySeg;
    private final ThreadPool.RangeTask forwardTask = this::forwardPlanes;
    private final ThreadPool.RangeTask backwardTask = this::backwardPlanes;

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
    public Tensor forward(Tensor x) {
        Tensor y = prepare(x);
        long outs = y.size();
        if (outs > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(describe() + ": output " + y.shapeString() + " is too large for an index buffer");
        }
        if (argmax.length < outs) {
            argmax = new int[(int) outs];
        }
        xSeg = x.segment();
        ySeg = y.segment();
        forPlanes(forwardTask);
        xSeg = ySeg = null;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = prepareBackward(dy);
        if (!inputGradNeeded()) {
            return null;
        }
        xSeg = dx.segment();
        ySeg = dy.segment();
        forPlanes(backwardTask);
        xSeg = ySeg = null;
        return dx;
    }

    private void forwardPlanes(int start, int end, int worker) {
        int hw = h * w, ohw = oh * ow;
        Pooling.maxForward(xSeg, (long) start * hw, ySeg, (long) start * ohw, argmax, start * ohw, end - start,
                h, w, kh, kw, sh, sw, ph, pw, scratchSeg, worker * scratchSize);
    }

    private void backwardPlanes(int start, int end, int worker) {
        int hw = h * w, ohw = oh * ow;
        Pooling.maxBackward(ySeg, (long) start * ohw, argmax, start * ohw, xSeg, (long) start * hw, end - start, h, w, oh, ow);
    }

    @Override
    public String describe() {
        return "MaxPool2d(" + geometry() + ")";
    }
}
