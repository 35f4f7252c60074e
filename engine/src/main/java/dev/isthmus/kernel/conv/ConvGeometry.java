package dev.isthmus.kernel.conv;

import dev.isthmus.kernel.Window;

/**
 * One convolution at one batch shape: {@code n} images {@code [in, h, w]} through a window ({@link Window})
 * into {@code [out, oh, ow]}, on {@code threads} engine threads. Every algorithm sizes its buffers from it
 * once and reuses them while the shape stays.
 */
public final class ConvGeometry {
    public final int in, out, n, h, w, oh, ow;
    public final Window window;
    /** Taps per output, {@code in kh kw}: the GEMM's inner dimension. */
    public final int k;
    /** Output pixels per image, {@code oh ow}. */
    public final int p;
    /** Floats of one input image and one output image. */
    public final long inImage, outImage;
    /** The engine's thread count, and the workers a per-image pass uses ({@code min(threads, n)}). */
    public final int threads, workers;

    public ConvGeometry(int in, int out, Window window, int n, int h, int w, int threads) {
        this.in = in;
        this.out = out;
        this.window = window;
        this.n = n;
        this.h = h;
        this.w = w;
        this.oh = window.outHeight(h);
        this.ow = window.outWidth(w);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("a " + Window.pair(window.kh(), window.kw()) + " kernel does not fit a "
                    + h + "x" + w + " image padded by " + Window.pair(window.ph(), window.pw()));
        }
        this.k = Math.multiplyExact(Math.multiplyExact(in, window.kh()), window.kw());
        this.p = Math.multiplyExact(oh, ow);
        this.inImage = (long) in * h * w;
        this.outImage = (long) out * p;
        this.threads = threads;
        this.workers = Math.max(1, Math.min(threads, n));
    }

    /** Whether this is the geometry of {@code n} images {@code [h, w]} on {@code threads} threads. */
    public boolean matches(int n, int h, int w, int threads) {
        return this.n == n && this.h == h && this.w == w && this.threads == threads;
    }

    /** A 1x1 kernel with stride 1 and no padding: each image is its own column matrix. */
    public boolean pointwise() {
        return window.kh() == 1 && window.kw() == 1 && Window.trivial(window.sh(), window.sw(), window.ph(), window.pw());
    }

    /** {@code size} as an int, or an error naming the buffer and the shape when it is over 2^31 floats. */
    int checkedInt(long size, String what) {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("an image of " + h + "x" + w + " needs " + what + " of " + size
                    + " floats, more than 2^31");
        }
        return (int) size;
    }
}
