package dev.isthmus.nn;

import dev.isthmus.kernel.pool.AvgPool;

/**
 * 2-D average pooling, PyTorch's {@code nn.AvgPool2d}: input {@code [N, C, H, W]}, output
 * {@code [N, C, OH, OW]} with {@code OH = floor((H + 2 ph - kh) / sh) + 1}; the stride defaults to the kernel
 * size. Padded pixels count as zeros in the average ({@code count_include_pad=True}, PyTorch's default)
 * unless built with {@code countIncludePad = false}, which divides by the number of real pixels.
 */
public class AvgPool2d extends Pool2d {
    private final boolean countIncludePad;
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
    void forwardPlanes(State s, int start, int end, int worker) {
        int hw = s.h * s.w, ohw = s.oh * s.ow;
        AvgPool.forward(s.xSeg, (long) start * hw, s.ySeg, (long) start * ohw, end - start, s.h, s.w, kh, kw, sh, sw, ph, pw,
                countIncludePad, s.scratchSeg, worker * s.scratchSize);
    }

    @Override
    void backwardPlanes(State s, int start, int end, int worker) {
        int hw = s.h * s.w, ohw = s.oh * s.ow;
        AvgPool.backward(s.ySeg, (long) start * ohw, s.xSeg, (long) start * hw, end - start, s.h, s.w, kh, kw, sh, sw, ph, pw,
                countIncludePad, s.scratchSeg, worker * s.scratchSize);
    }

    @Override
    public String describe() {
        return "AvgPool2d(" + geometry() + (countIncludePad ? "" : ", count_include_pad=false") + ")";
    }
}
