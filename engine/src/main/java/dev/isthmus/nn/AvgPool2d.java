package dev.isthmus.nn;

import dev.isthmus.kernel.Pooling;
import dev.isthmus.runtime.ThreadPool;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * 2-D average pooling, PyTorch's {@code nn.AvgPool2d}: input {@code [N, C, H, W]}, output
 * {@code [N, C, OH, OW]} with {@code OH = floor((H + 2 ph - kh) / sh) + 1}; the stride defaults to the kernel
 * size. Padded pixels count as zeros in the average ({@code count_include_pad=True}, PyTorch's default)
 * unless built with {@code countIncludePad = false}, which divides by the number of real pixels.
 */
public class AvgPool2d extends Pool2d {
    private final boolean countIncludePad;
    private MemorySegment xSeg, ySeg;
    private final ThreadPool.RangeTask forwardTask = this::forwardPlanes;
    private final ThreadPool.RangeTask backwardTask = this::backwardPlanes;

    /** Square window {@code kernel}, stride {@code kernel}, no padding. */
    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public AvgPool2d(int kernel, int stride) {
        this(kernel, stride, 0);
    }

    public AvgPool2d(int kernel, int stride, int padding) {
        this(kernel, kernel, stride, stride, padding, padding, true);
    }

    /** Window {@code kh x kw}, stride {@code (sh, sw)}, padding {@code (ph, pw)}. */
    public AvgPool2d(int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad) {
        super(kh, kw, sh, sw, ph, pw);
        this.countIncludePad = countIncludePad;
    }

    public boolean countIncludePad() {
        return countIncludePad;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = prepare(x);
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
        Pooling.avgForward(xSeg, (long) start * hw, ySeg, (long) start * ohw, end - start, h, w, kh, kw, sh, sw, ph, pw,
                countIncludePad, scratchSeg, worker * scratchSize);
    }

    private void backwardPlanes(int start, int end, int worker) {
        int hw = h * w, ohw = oh * ow;
        Pooling.avgBackward(ySeg, (long) start * ohw, xSeg, (long) start * hw, end - start, h, w, kh, kw, sh, sw, ph, pw,
                countIncludePad, scratchSeg, worker * scratchSize);
    }

    @Override
    public String describe() {
        return "AvgPool2d(" + geometry() + (countIncludePad ? "" : ", count_include_pad=false") + ")";
    }
}
