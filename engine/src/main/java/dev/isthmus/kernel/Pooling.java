package dev.isthmus.kernel;

import dev.isthmus.runtime.Engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Pooling and nearest-neighbour upsampling kernels over runs of planes of NCHW tensors (a plane is the
 * {@code H x W} image of one channel of one sample), following PyTorch's CPU semantics:
 * <ul>
 *   <li>max pooling: padding acts as {@code -inf} (only real pixels are compared), the first maximum in
 *       row-major window order wins, NaN propagates; the flat index of the winner inside its plane is kept
 *       for backward, which routes each output gradient to it;</li>
 *   <li>average pooling: the sum over the window's real pixels divided by the window size, counting the
 *       padded pixels ({@code count_include_pad=True}, PyTorch's default) or not;</li>
 *   <li>nearest upsampling by an integer factor: each pixel becomes an {@code s x s} block; backward sums
 *       each block.</li>
 * </ul>
 * Windows are clipped to the image once per output pixel, so the inner loops test nothing. The 2x2,
 * stride-2, unpadded case (LeNet, VGG) has its own unrolled loops. Parallelism over planes is the
 * caller's (see the nn layers).
 */
public final class Pooling {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Pooling() {
    }

    /**
     * Max pooling of {@code planes} planes {@code [h, w]} at {@code xOff} into planes {@code [oh, ow]} at
     * {@code yOff}, with each winner's index inside its input plane written to {@code argmax[argOff ...]}.
     */
    public static void maxForward(MemorySegment x, long xOff, MemorySegment y, long yOff, int[] argmax, int argOff,
                                  int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) {
        int oh = Im2col.outSize(h, kh, sh, ph), ow = Im2col.outSize(w, kw, sw, pw);
        check("max pool", x, xOff, y, yOff, planes, h, w, oh, ow);
        if (argmax.length < argOff + (long) planes * oh * ow) {
            throw new IllegalArgumentException("max pool: index buffer of " + argmax.length + " for " + planes + " planes of "
                    + oh + "x" + ow + " at " + argOff);
        }
        boolean pair = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0;
        for (int c = 0; c < planes; c++) {
            long xp = xOff + (long) c * h * w;
            long yp = yOff + (long) c * oh * ow;
            int ap = argOff + c * oh * ow;
            if (pair) {
                maxPair(x, xp, y, yp, argmax, ap, w, oh, ow);
                continue;
            }
            for (int oy = 0; oy < oh; oy++) {
                int hs = oy * sh - ph, he = Math.min(hs + kh, h);
                hs = Math.max(hs, 0);
                for (int ox = 0; ox < ow; ox++) {
                    int ws = ox * sw - pw, we = Math.min(ws + kw, w);
                    ws = Math.max(ws, 0);
                    int best = hs * w + ws;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int iy = hs; iy < he; iy++) {
                        long row = xp + (long) iy * w;
                        for (int ix = ws; ix < we; ix++) {
                            float v = x.getAtIndex(F, row + ix);
                            if (v > max || Float.isNaN(v)) {
                                max = v;
                                best = iy * w + ix;
                            }
                        }
                    }
                    y.setAtIndex(F, yp + (long) oy * ow + ox, max);
                    argmax[ap + oy * ow + ox] = best;
                }
            }
        }
    }

    /** 2x2 windows, stride 2, no padding: the four candidates compared in PyTorch's order, unrolled. */
    private static void maxPair(MemorySegment x, long xp, MemorySegment y, long yp, int[] argmax, int ap,
                                int w, int oh, int ow) {
        for (int oy = 0; oy < oh; oy++) {
            long r0 = xp + (long) (2 * oy) * w, r1 = r0 + w;
            int i0 = 2 * oy * w;
            long yr = yp + (long) oy * ow;
            int ar = ap + oy * ow;
            for (int ox = 0; ox < ow; ox++) {
                int ix = 2 * ox;
                float a = x.getAtIndex(F, r0 + ix), b = x.getAtIndex(F, r0 + ix + 1);
                float c = x.getAtIndex(F, r1 + ix), d = x.getAtIndex(F, r1 + ix + 1);
                float max = a;
                int best = i0 + ix;
                if (b > max || Float.isNaN(b)) {
                    max = b;
                    best = i0 + ix + 1;
                }
                if (c > max || Float.isNaN(c)) {
                    max = c;
                    best = i0 + w + ix;
                }
                if (d > max || Float.isNaN(d)) {
                    max = d;
                    best = i0 + w + ix + 1;
                }
                y.setAtIndex(F, yr + ox, max);
                argmax[ar + ox] = best;
            }
        }
    }

    /**
     * Max pooling backward: sets the input planes at {@code dxOff} to zero and adds each output gradient onto
     * the pixel recorded in {@code argmax} (overlapping windows add up).
     */
    public static void maxBackward(MemorySegment dy, long dyOff, int[] argmax, int argOff, MemorySegment dx, long dxOff,
                                   int planes, int h, int w, int oh, int ow) {
        check("max pool backward", dx, dxOff, dy, dyOff, planes, h, w, oh, ow);
        boolean vec = Engine.get().useVectors();
        int hw = h * w, ohw = oh * ow;
        Im2col.zero(dx, dxOff, (long) planes * hw, vec);
        for (int c = 0; c < planes; c++) {
            long xp = dxOff + (long) c * hw;
            long yp = dyOff + (long) c * ohw;
            int ap = argOff + c * ohw;
            for (int i = 0; i < ohw; i++) {
                int idx = argmax[ap + i];
                if (idx < 0 || idx >= hw) {
                    throw new IllegalStateException("max pool backward: index " + idx + " outside a plane of " + h + "x" + w);
                }
                long at = xp + idx;
                dx.setAtIndex(F, at, dx.getAtIndex(F, at) + dy.getAtIndex(F, yp + i));
            }
        }
    }

    /** Average pooling; the divisor counts padded pixels when {@code countIncludePad} (PyTorch's default). */
    public static void avgForward(MemorySegment x, long xOff, MemorySegment y, long yOff, int planes, int h, int w,
                                  int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad) {
        int oh = Im2col.outSize(h, kh, sh, ph), ow = Im2col.outSize(w, kw, sw, pw);
        check("avg pool", x, xOff, y, yOff, planes, h, w, oh, ow);
        boolean pair = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0;
        for (int c = 0; c < planes; c++) {
            long xp = xOff + (long) c * h * w;
            long yp = yOff + (long) c * oh * ow;
            if (pair) {
                for (int oy = 0; oy < oh; oy++) {
                    long r0 = xp + (long) (2 * oy) * w, r1 = r0 + w;
                    long yr = yp + (long) oy * ow;
                    for (int ox = 0; ox < ow; ox++) {
                        int ix = 2 * ox;
                        float s = x.getAtIndex(F, r0 + ix) + x.getAtIndex(F, r0 + ix + 1)
                                + x.getAtIndex(F, r1 + ix) + x.getAtIndex(F, r1 + ix + 1);
                        y.setAtIndex(F, yr + ox, s * 0.25f);
                    }
                }
                continue;
            }
            for (int oy = 0; oy < oh; oy++) {
                int hs = oy * sh - ph, hePad = Math.min(hs + kh, h + ph), he = Math.min(hs + kh, h);
                for (int ox = 0; ox < ow; ox++) {
                    int ws = ox * sw - pw, wePad = Math.min(ws + kw, w + pw), we = Math.min(ws + kw, w);
                    int padded = (hePad - hs) * (wePad - ws);
                    int y0 = Math.max(hs, 0), x0 = Math.max(ws, 0);
                    float sum = 0f;
                    for (int iy = y0; iy < he; iy++) {
                        long row = xp + (long) iy * w;
                        for (int ix = x0; ix < we; ix++) {
                            sum += x.getAtIndex(F, row + ix);
                        }
                    }
                    int div = countIncludePad ? padded : (he - y0) * (we - x0);
                    y.setAtIndex(F, yp + (long) oy * ow + ox, sum / div);
                }
            }
        }
    }

    /** Average pooling backward: each output gradient, divided as in forward, is added to every pixel of its window. */
    public static void avgBackward(MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, int planes, int h, int w,
                                   int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad) {
        int oh = Im2col.outSize(h, kh, sh, ph), ow = Im2col.outSize(w, kw, sw, pw);
        check("avg pool backward", dx, dxOff, dy, dyOff, planes, h, w, oh, ow);
        boolean vec = Engine.get().useVectors();
        Im2col.zero(dx, dxOff, (long) planes * h * w, vec);
        for (int c = 0; c < planes; c++) {
            long xp = dxOff + (long) c * h * w;
            long yp = dyOff + (long) c * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int hs = oy * sh - ph, hePad = Math.min(hs + kh, h + ph), he = Math.min(hs + kh, h);
                for (int ox = 0; ox < ow; ox++) {
                    int ws = ox * sw - pw, wePad = Math.min(ws + kw, w + pw), we = Math.min(ws + kw, w);
                    int y0 = Math.max(hs, 0), x0 = Math.max(ws, 0);
                    int div = countIncludePad ? (hePad - hs) * (wePad - ws) : (he - y0) * (we - x0);
                    float g = dy.getAtIndex(F, yp + (long) oy * ow + ox) / div;
                    for (int iy = y0; iy < he; iy++) {
                        long row = xp + (long) iy * w;
                        for (int ix = x0; ix < we; ix++) {
                            dx.setAtIndex(F, row + ix, dx.getAtIndex(F, row + ix) + g);
                        }
                    }
                }
            }
        }
    }

    /** Nearest-neighbour upsampling by {@code s}: planes {@code [h, w]} to {@code [h s, w s]}. */
    public static void upsampleForward(MemorySegment x, long xOff, MemorySegment y, long yOff, int planes, int h, int w, int s) {
        int oh = h * s, ow = w * s;
        check("upsample", x, xOff, y, yOff, planes, h, w, oh, ow);
        boolean vec = Engine.get().useVectors();
        for (int c = 0; c < planes; c++) {
            long xp = xOff + (long) c * h * w;
            long yp = yOff + (long) c * oh * ow;
            for (int iy = 0; iy < h; iy++) {
                long row = yp + (long) iy * s * ow;
                long src = xp + (long) iy * w;
                for (int ix = 0; ix < w; ix++) {
                    float v = x.getAtIndex(F, src + ix);
                    long at = row + (long) ix * s;
                    for (int t = 0; t < s; t++) {
                        y.setAtIndex(F, at + t, v);
                    }
                }
                for (int r = 1; r < s; r++) {
                    Im2col.copyRun(y, row, y, row + (long) r * ow, ow, vec);
                }
            }
        }
    }

    /** Nearest-neighbour upsampling backward: each input gradient is the sum of its {@code s x s} output block. */
    public static void upsampleBackward(MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, int planes, int h, int w, int s) {
        int oh = h * s, ow = w * s;
        check("upsample backward", dx, dxOff, dy, dyOff, planes, h, w, oh, ow);
        for (int c = 0; c < planes; c++) {
            long xp = dxOff + (long) c * h * w;
            long yp = dyOff + (long) c * oh * ow;
            for (int iy = 0; iy < h; iy++) {
                long dst = xp + (long) iy * w;
                for (int ix = 0; ix < w; ix++) {
                    float sum = 0f;
                    for (int a = 0; a < s; a++) {
                        long row = yp + (long) (iy * s + a) * ow + (long) ix * s;
                        for (int b = 0; b < s; b++) {
                            sum += dy.getAtIndex(F, row + b);
                        }
                    }
                    dx.setAtIndex(F, dst + ix, sum);
                }
            }
        }
    }

    /** {@code in} holds {@code planes} planes {@code [h, w]} at {@code inOff}; {@code out} holds them {@code [oh, ow]}. */
    private static void check(String op, MemorySegment in, long inOff, MemorySegment out, long outOff,
                              int planes, int h, int w, int oh, int ow) {
        if (planes < 0 || h < 1 || w < 1 || oh < 1 || ow < 1) {
            throw new IllegalArgumentException(op + ": invalid geometry, " + planes + " planes of " + h + "x" + w
                    + " -> " + oh + "x" + ow);
        }
        if (inOff < 0 || inOff + (long) planes * h * w > in.byteSize() / Float.BYTES) {
            throw new IllegalArgumentException(op + ": " + planes + " planes of " + h + "x" + w + " at " + inOff
                    + " exceed a segment of " + in.byteSize() / Float.BYTES + " floats");
        }
        if (outOff < 0 || outOff + (long) planes * oh * ow > out.byteSize() / Float.BYTES) {
            throw new IllegalArgumentException(op + ": " + planes + " planes of " + oh + "x" + ow + " at " + outOff
                    + " exceed a segment of " + out.byteSize() / Float.BYTES + " floats");
        }
    }
}
