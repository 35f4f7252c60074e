package dev.isthmus.kernel;

import dev.isthmus.runtime.Engine;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Pooling and nearest-neighbour upsampling kernels over runs of planes of NCHW tensors (a plane is the
 * {@code H x W} image of one channel of one sample), following PyTorch's CPU semantics:
 * <ul>
 *   <li>max pooling: padding acts as {@code -inf} (a padded pixel never wins), the first maximum in
 *       row-major window order wins, NaN propagates; the flat index of the winner inside its plane is kept
 *       for backward, which routes each output gradient to it;</li>
 *   <li>average pooling: the sum over the window's real pixels divided by the window size, counting the
 *       padded pixels ({@code count_include_pad=True}, PyTorch's default) or not;</li>
 *   <li>nearest upsampling by an integer factor: each pixel becomes an {@code s x s} block; backward sums
 *       each block.</li>
 * </ul>
 *
 * <p>Windows are tiny (2x2, 3x3), so looping over a window per output costs more in loop set-up than in
 * arithmetic. The vector path instead computes {@code L} outputs of a row at once: the plane is first
 * split, with its padding, into stride phases in a scratch buffer ({@link #scratchSize}), so that every
 * window tap is one contiguous vector load (as in {@link Im2col}); max pooling keeps the running maximum
 * and the winner's index as a float and an int vector, updated tap by tap in PyTorch's order. The
 * scalar path (used when {@link Engine#useVectors()} is false, or rows are shorter than a vector) loops
 * over clipped windows. Parallelism over planes is the caller's (see the nn layers).
 */
public final class Pooling {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> SI = S.withLanes(int.class);
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Even / odd lanes of two vectors side by side (negative: lanes of the second vector). */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> 2 * i < L ? 2 * i : 2 * i - 2 * L);
    private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(S, i -> 2 * i + 1 < L ? 2 * i + 1 : 2 * i + 1 - 2 * L);
    /** Each of the first / last L/2 lanes twice. */
    private static final VectorShuffle<Float> DUP_LO = VectorShuffle.fromOp(S, i -> i / 2);
    private static final VectorShuffle<Float> DUP_HI = VectorShuffle.fromOp(S, i -> i / 2 + L / 2);

    private Pooling() {
    }

    /** Floats of scratch a pooling call needs: one plane's stride phases (padding included) and one padded row. */
    public static long scratchSize(int h, int w, int sh, int sw, int ph, int pw) {
        long wq = ceilDiv(w + 2 * pw, sw);
        return (long) sh * sw * ceilDiv(h + 2 * ph, sh) * wq + sw * wq + L;
    }

    // ------------------------------------------------------------------ max pooling

    /**
     * Max pooling of {@code planes} planes {@code [h, w]} at {@code xOff} into planes {@code [oh, ow]} at
     * {@code yOff}, with each winner's index inside its input plane written to {@code argmax[argOff ...]}
     * (none when {@code argmax} is null: an inference pass keeps nothing for backward).
     * {@code scratch} must hold {@link #scratchSize} floats from {@code scratchOff}.
     */
    public static void maxForward(MemorySegment x, long xOff, MemorySegment y, long yOff, int[] argmax, int argOff,
                                  int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                                  MemorySegment scratch, long scratchOff) {
        maxForward(x, xOff, y, yOff, argmax, argOff, planes, h, w, kh, kw, sh, sw, ph, pw, scratch, scratchOff,
                Engine.get().useVectors());
    }

    static void maxForward(MemorySegment x, long xOff, MemorySegment y, long yOff, int[] argmax, int argOff,
                           int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                           MemorySegment scratch, long scratchOff, boolean vec) {
        int oh = Im2col.outSize(h, kh, sh, ph), ow = Im2col.outSize(w, kw, sw, pw);
        check("max pool", x, xOff, y, yOff, planes, h, w, oh, ow);
        if (argmax != null && (argOff < 0 || argmax.length < argOff + (long) planes * oh * ow)) {
            throw new IllegalArgumentException("max pool: index buffer of " + argmax.length + " for " + planes + " planes of "
                    + oh + "x" + ow + " at " + argOff);
        }
        boolean vector = vec && ow >= L && (long) h * w < (1 << 24);
        boolean pair = vector && pairWindows(kh, kw, sh, sw, ph, pw);
        if (!vector && pairWindows(kh, kw, sh, sw, ph, pw)) {
            pairReduceAll(x, xOff, planes, h, w, oh, ow, y, yOff, argmax, argOff, PairOp.MAX, vec && (long) h * w < (1 << 24));
            return;
        }
        if (vector && !pair) {
            checkScratch("max pool", scratch, scratchOff, scratchSize(h, w, sh, sw, ph, pw));
        }
        for (int c = 0; c < planes; c++) {
            long xp = xOff + (long) c * h * w;
            long yp = yOff + (long) c * oh * ow;
            int ap = argOff + c * oh * ow;
            if (pair) {
                pairReduce(x, xp, w, oh, ow, y, yp, argmax, ap, PairOp.MAX);
            } else if (vector) {
                maxPlaneVector(x, xp, y, yp, argmax, ap, h, w, kh, kw, sh, sw, ph, pw, oh, ow, scratch, scratchOff);
            } else {
                maxPlaneScalar(x, xp, y, yp, argmax, ap, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
            }
        }
    }

    private static void maxPlaneScalar(MemorySegment x, long xp, MemorySegment y, long yp, int[] argmax, int ap,
                                       int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow) {
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
                if (argmax != null) {
                    argmax[ap + oy * ow + ox] = best;
                }
            }
        }
    }

    /** One plane, {@code ow >= L}: L outputs at a time, the last group overlapping the previous one. */
    private static void maxPlaneVector(MemorySegment x, long xp, MemorySegment y, long yp, int[] argmax, int ap,
                                       int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow,
                                       MemorySegment scratch, long sOff) {
        int hq = ceilDiv(h + 2 * ph, sh), wq = ceilDiv(w + 2 * pw, sw);
        long phase = (long) hq * wq;
        split(x, xp, h, w, sh, sw, ph, pw, hq, wq, Float.NEGATIVE_INFINITY, scratch, sOff);
        FloatVector minusInf = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        // indices ride along as floats (exact below 2^24, checked by the caller), so no mask changes type per tap
        FloatVector lanesTimesStride = FloatVector.zero(S).addIndex(sw);
        for (int oy = 0; oy < oh; oy++) {
            int hs = Math.max(oy * sh - ph, 0);
            for (int g = 0; g < ow; g += L) {
                int ox0 = Math.min(g, ow - L);
                FloatVector col0 = lanesTimesStride.add(ox0 * sw - pw);      // input column of tap kj = 0
                FloatVector best = minusInf;
                FloatVector idx = col0.max(0f).add(hs * w);                  // PyTorch's start: first real pixel
                for (int ki = 0, a = 0, u0 = 0; ki < kh; ki++) {
                    int iy = oy * sh + ki - ph;
                    long rowBase = sOff + (long) a * sw * phase + (long) (oy + u0) * wq + ox0;
                    FloatVector rowIdx = col0.add(iy * w);
                    for (int kj = 0, b = 0, v0 = 0; kj < kw; kj++) {
                        long at = rowBase + b * phase + v0;
                        FloatVector v = FloatVector.fromMemorySegment(S, scratch, at * Float.BYTES, NO);
                        VectorMask<Float> win = v.compare(VectorOperators.GT, best).or(v.test(VectorOperators.IS_NAN));
                        best = best.blend(v, win);
                        idx = idx.blend(rowIdx.add(kj), win);
                        if (++b == sw) {
                            b = 0;
                            v0++;
                        }
                    }
                    if (++a == sh) {
                        a = 0;
                        u0++;
                    }
                }
                best.intoMemorySegment(y, (yp + (long) oy * ow + ox0) * Float.BYTES, NO);
                if (argmax != null) {
                    ((IntVector) idx.convert(VectorOperators.F2I, 0)).intoArray(argmax, ap + oy * ow + ox0);
                }
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

    // ------------------------------------------------------------------ average pooling

    /**
     * Average pooling; the divisor counts padded pixels when {@code countIncludePad} (PyTorch's default).
     * {@code scratch} as for {@link #maxForward}.
     */
    public static void avgForward(MemorySegment x, long xOff, MemorySegment y, long yOff, int planes, int h, int w,
                                  int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad,
                                  MemorySegment scratch, long scratchOff) {
        avgForward(x, xOff, y, yOff, planes, h, w, kh, kw, sh, sw, ph, pw, countIncludePad, scratch, scratchOff,
                Engine.get().useVectors());
    }

    static void avgForward(MemorySegment x, long xOff, MemorySegment y, long yOff, int planes, int h, int w,
                           int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad,
                           MemorySegment scratch, long scratchOff, boolean vec) {
        int oh = Im2col.outSize(h, kh, sh, ph), ow = Im2col.outSize(w, kw, sw, pw);
        check("avg pool", x, xOff, y, yOff, planes, h, w, oh, ow);
        boolean vector = vec && ow >= L;
        boolean pair = vector && pairWindows(kh, kw, sh, sw, ph, pw);
        if (!vector && pairWindows(kh, kw, sh, sw, ph, pw)) {
            pairReduceAll(x, xOff, planes, h, w, oh, ow, y, yOff, null, 0, PairOp.MEAN, vec);
            return;
        }
        if (vector && !pair) {
            checkScratch("avg pool", scratch, scratchOff, scratchSize(h, w, sh, sw, ph, pw));
        }
        for (int c = 0; c < planes; c++) {
            long xp = xOff + (long) c * h * w;
            long yp = yOff + (long) c * oh * ow;
            if (pair) {
                pairReduce(x, xp, w, oh, ow, y, yp, null, 0, PairOp.MEAN);
                continue;
            }
            if (vector) {
                avgPlaneVector(x, xp, y, yp, h, w, kh, kw, sh, sw, ph, pw, oh, ow, countIncludePad, scratch, scratchOff);
                continue;
            }
            for (int oy = 0; oy < oh; oy++) {
                int hs = oy * sh - ph, he = Math.min(hs + kh, h);
                for (int ox = 0; ox < ow; ox++) {
                    int ws = ox * sw - pw, we = Math.min(ws + kw, w);
                    int y0 = Math.max(hs, 0), x0 = Math.max(ws, 0);
                    float sum = 0f;
                    for (int iy = y0; iy < he; iy++) {
                        long row = xp + (long) iy * w;
                        for (int ix = x0; ix < we; ix++) {
                            sum += x.getAtIndex(F, row + ix);
                        }
                    }
                    y.setAtIndex(F, yp + (long) oy * ow + ox, sum / divisor(hs, he, y0, ws, we, x0, kh, kw, countIncludePad));
                }
            }
        }
    }

    /**
     * PyTorch's divisor: the window size (without ceil mode a window never passes the padded border), or
     * the number of real pixels in it.
     */
    private static int divisor(int hs, int he, int y0, int ws, int we, int x0, int kh, int kw, boolean countIncludePad) {
        return countIncludePad ? kh * kw : (he - y0) * (we - x0);
    }

    /** The divisors of the L outputs from {@code ox0} of row {@code oy}, as a vector (PyTorch divides, so do we). */
    private static FloatVector divisors(int oy, int ox0, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                                        boolean countIncludePad) {
        if (countIncludePad) {
            return FloatVector.broadcast(S, kh * kw);
        }
        int hs = oy * sh - ph;
        int rows = Math.min(hs + kh, h) - Math.max(hs, 0);
        IntVector ws = IntVector.zero(SI).addIndex(sw).add(ox0 * sw - pw);
        IntVector cols = ws.add(kw).min(w).sub(ws.max(0));
        return (FloatVector) cols.mul(rows).convert(VectorOperators.I2F, 0);
    }

    private static void avgPlaneVector(MemorySegment x, long xp, MemorySegment y, long yp, int h, int w, int kh, int kw,
                                       int sh, int sw, int ph, int pw, int oh, int ow, boolean countIncludePad,
                                       MemorySegment scratch, long sOff) {
        int hq = ceilDiv(h + 2 * ph, sh), wq = ceilDiv(w + 2 * pw, sw);
        long phase = (long) hq * wq;
        split(x, xp, h, w, sh, sw, ph, pw, hq, wq, 0f, scratch, sOff);
        for (int oy = 0; oy < oh; oy++) {
            for (int g = 0; g < ow; g += L) {
                int ox0 = Math.min(g, ow - L);
                FloatVector sum = FloatVector.zero(S);
                for (int ki = 0, a = 0, u0 = 0; ki < kh; ki++) {
                    long rowBase = sOff + (long) a * sw * phase + (long) (oy + u0) * wq + ox0;
                    for (int kj = 0, b = 0, v0 = 0; kj < kw; kj++) {
                        long at = rowBase + b * phase + v0;
                        sum = sum.add(FloatVector.fromMemorySegment(S, scratch, at * Float.BYTES, NO));
                        if (++b == sw) {
                            b = 0;
                            v0++;
                        }
                    }
                    if (++a == sh) {
                        a = 0;
                        u0++;
                    }
                }
                sum.div(divisors(oy, ox0, h, w, kh, kw, sh, sw, ph, pw, countIncludePad))
                        .intoMemorySegment(y, (yp + (long) oy * ow + ox0) * Float.BYTES, NO);
            }
        }
    }

    /**
     * Average pooling backward: each output gradient, divided as in forward, is added to every pixel of its
     * window. {@code scratch} as for {@link #maxForward}.
     */
    public static void avgBackward(MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, int planes, int h, int w,
                                   int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad,
                                   MemorySegment scratch, long scratchOff) {
        avgBackward(dy, dyOff, dx, dxOff, planes, h, w, kh, kw, sh, sw, ph, pw, countIncludePad, scratch, scratchOff,
                Engine.get().useVectors());
    }

    static void avgBackward(MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, int planes, int h, int w,
                            int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad,
                            MemorySegment scratch, long scratchOff, boolean vec) {
        int oh = Im2col.outSize(h, kh, sh, ph), ow = Im2col.outSize(w, kw, sw, pw);
        check("avg pool backward", dx, dxOff, dy, dyOff, planes, h, w, oh, ow);
        boolean vector = vec && ow >= L;
        boolean pair = vector && pairWindows(kh, kw, sh, sw, ph, pw);
        if (vector && !pair) {
            checkScratch("avg pool backward", scratch, scratchOff, scratchSize(h, w, sh, sw, ph, pw));
        } else {
            Im2col.zero(dx, dxOff, (long) planes * h * w, vec);
        }
        for (int c = 0; c < planes; c++) {
            long xp = dxOff + (long) c * h * w;
            long yp = dyOff + (long) c * oh * ow;
            if (pair) {
                // PyTorch divides by the window size, 4: exact as a multiplication by 0.25
                pairExpand(dy, yp, oh, ow, dx, xp, w, 0.25f);
                continue;
            }
            if (vector) {
                avgBackPlaneVector(dy, yp, dx, xp, h, w, kh, kw, sh, sw, ph, pw, oh, ow, countIncludePad, scratch, scratchOff);
                continue;
            }
            for (int oy = 0; oy < oh; oy++) {
                int hs = oy * sh - ph, he = Math.min(hs + kh, h);
                for (int ox = 0; ox < ow; ox++) {
                    int ws = ox * sw - pw, we = Math.min(ws + kw, w);
                    int y0 = Math.max(hs, 0), x0 = Math.max(ws, 0);
                    float g = dy.getAtIndex(F, yp + (long) oy * ow + ox) / divisor(hs, he, y0, ws, we, x0, kh, kw, countIncludePad);
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

    /** Accumulates into the phase layout (padding included), then copies the plane's own pixels out. */
    private static void avgBackPlaneVector(MemorySegment dy, long yp, MemorySegment dx, long xp, int h, int w, int kh, int kw,
                                           int sh, int sw, int ph, int pw, int oh, int ow, boolean countIncludePad,
                                           MemorySegment scratch, long sOff) {
        int hq = ceilDiv(h + 2 * ph, sh), wq = ceilDiv(w + 2 * pw, sw);
        long phase = (long) hq * wq;
        Im2col.zero(scratch, sOff, (long) sh * sw * phase, true);
        int rem = ow % L;
        // the last group overlaps the one before: its first L - rem lanes were already added
        VectorMask<Float> fresh = rem == 0 ? S.maskAll(true) : S.indexInRange(-(L - rem), rem);
        for (int oy = 0; oy < oh; oy++) {
            for (int g = 0; g < ow; g += L) {
                int ox0 = Math.min(g, ow - L);
                FloatVector grad = FloatVector.fromMemorySegment(S, dy, (yp + (long) oy * ow + ox0) * Float.BYTES, NO)
                        .div(divisors(oy, ox0, h, w, kh, kw, sh, sw, ph, pw, countIncludePad));
                if (ox0 < g) {
                    grad = FloatVector.zero(S).blend(grad, fresh);
                }
                for (int ki = 0, a = 0, u0 = 0; ki < kh; ki++) {
                    long rowBase = sOff + (long) a * sw * phase + (long) (oy + u0) * wq + ox0;
                    for (int kj = 0, b = 0, v0 = 0; kj < kw; kj++) {
                        long at = (rowBase + b * phase + v0) * Float.BYTES;
                        FloatVector.fromMemorySegment(S, scratch, at, NO).add(grad).intoMemorySegment(scratch, at, NO);
                        if (++b == sw) {
                            b = 0;
                            v0++;
                        }
                    }
                    if (++a == sh) {
                        a = 0;
                        u0++;
                    }
                }
            }
        }
        merge(scratch, sOff, h, w, sh, sw, ph, pw, hq, wq, dx, xp);
    }

    // ------------------------------------------------------------------ upsampling

    /** Nearest-neighbour upsampling by {@code s}: planes {@code [h, w]} to {@code [h s, w s]}. */
    public static void upsampleForward(MemorySegment x, long xOff, MemorySegment y, long yOff, int planes, int h, int w, int s) {
        int oh = h * s, ow = w * s;
        check("upsample", x, xOff, y, yOff, planes, h, w, oh, ow);
        boolean vec = Engine.get().useVectors();
        for (int c = 0; c < planes; c++) {
            long xp = xOff + (long) c * h * w;
            long yp = yOff + (long) c * oh * ow;
            if (vec && s == 2 && w >= L) {
                pairExpand(x, xp, h, w, y, yp, ow, 1f);
                continue;
            }
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
        boolean vec = Engine.get().useVectors();
        for (int c = 0; c < planes; c++) {
            long xp = dxOff + (long) c * h * w;
            long yp = dyOff + (long) c * oh * ow;
            if (vec && s == 2 && w >= L) {
                pairReduce(dy, yp, ow, h, w, dx, xp, null, 0, PairOp.SUM);
                continue;
            }
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

    // ------------------------------------------------------------------ 2x2 blocks

    private static boolean pairWindows(int kh, int kw, int sh, int sw, int ph, int pw) {
        return kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0;
    }

    private enum PairOp { MAX, MEAN, SUM }

    /**
     * 2x2 blocks of plane {@code [2 oh (+1), w]} at {@code xp} reduced into {@code [oh, ow]} at {@code yp}
     * ({@code ow >= L}, {@code 2 ow <= w}): two vectors per input row de-interleaved into even and odd columns.
     * MAX keeps PyTorch's winner (first in row-major order, NaN wins) and writes its index; MEAN and SUM add
     * in PyTorch's order, {@code ((a + b) + c) + d}.
     */
    private static void pairReduce(MemorySegment x, long xp, int w, int oh, int ow, MemorySegment y, long yp,
                                   int[] argmax, int ap, PairOp op) {
        for (int oy = 0; oy < oh; oy++) {
            long r0 = xp + (long) (2 * oy) * w, r1 = r0 + w;
            for (int g = 0; g < ow; g += L) {
                int ox0 = Math.min(g, ow - L);
                pairGroup(x, r0 + 2L * ox0, r1 + 2L * ox0, 2 * oy * w + 2 * ox0, w, y, yp + (long) oy * ow + ox0,
                        argmax, ap + oy * ow + ox0, op);
            }
        }
    }

    /** 2x2 blocks of planes whose rows are shorter than a vector: {@link #pairReduceShort}, or scalar without vectors. */
    private static void pairReduceAll(MemorySegment x, long xOff, int planes, int h, int w, int oh, int ow,
                                      MemorySegment y, long yOff, int[] argmax, int argOff, PairOp op, boolean vec) {
        if (vec) {
            pairReduceShort(x, xOff, planes, h, w, oh, ow, y, yOff, argmax, argOff, op);
        } else {
            pairReduceScalar(x, xOff, planes, h, w, oh, ow, y, yOff, argmax, argOff, op);
        }
    }

    /**
     * {@link #pairReduce} for rows of fewer than {@code L} outputs (LeNet-5's second pooling: 10 -> 5), over
     * {@code planes} planes: one vector per output row, whose lanes past the row spill into the next one and
     * are rewritten when that row is done. A row whose vector would write past the last output or read past
     * {@code x} takes the scalar path.
     */
    private static void pairReduceShort(MemorySegment x, long xOff, int planes, int h, int w, int oh, int ow,
                                        MemorySegment y, long yOff, int[] argmax, int argOff, PairOp op) {
        long total = (long) planes * oh * ow;
        long xLimit = x.byteSize() / Float.BYTES;
        for (int c = 0; c < planes; c++) {
            long plane = xOff + (long) c * h * w;
            for (int oy = 0; oy < oh; oy++) {
                long q = ((long) c * oh + oy) * ow;
                long r0 = plane + 2L * oy * w, r1 = r0 + w;
                int top = 2 * oy * w;
                if (q + L <= total && r1 + 2L * L <= xLimit) {
                    pairGroup(x, r0, r1, top, w, y, yOff + q, argmax, argOff + (int) q, op);
                } else {
                    for (int ox = 0; ox < ow; ox++) {
                        pairScalar(x, r0 + 2 * ox, w, top + 2 * ox, y, yOff + q + ox, argmax, argOff + (int) q + ox, op);
                    }
                }
            }
        }
    }

    /**
     * {@code L} outputs of a 2x2 block reduction: input rows at element offsets {@code r0} and {@code r1}
     * (two vectors each, de-interleaved into even and odd columns), the top-left input's index in its plane
     * {@code top}, the outputs at element {@code at} and their indices at {@code argmax[ai]}.
     */
    private static void pairGroup(MemorySegment x, long r0, long r1, int top, int w, MemorySegment y, long at,
                                  int[] argmax, int ai, PairOp op) {
        long s0 = r0 * Float.BYTES, s1 = r1 * Float.BYTES;
        FloatVector p0 = FloatVector.fromMemorySegment(S, x, s0, NO);
        FloatVector q0 = FloatVector.fromMemorySegment(S, x, s0 + (long) L * Float.BYTES, NO);
        FloatVector p1 = FloatVector.fromMemorySegment(S, x, s1, NO);
        FloatVector q1 = FloatVector.fromMemorySegment(S, x, s1 + (long) L * Float.BYTES, NO);
        FloatVector a = p0.rearrange(EVEN, q0), b = p0.rearrange(ODD, q0);
        FloatVector c = p1.rearrange(EVEN, q1), d = p1.rearrange(ODD, q1);
        long yAt = at * Float.BYTES;
        if (op == PairOp.MAX) {
            // the winner of each row, then of the two rows: the same as scanning the window in row-major order
            FloatVector topIdx = FloatVector.zero(S).addIndex(2).add(top), bottom = topIdx.add(w);
            VectorMask<Float> tb = b.compare(VectorOperators.GT, a).or(b.test(VectorOperators.IS_NAN));
            FloatVector m0 = a.blend(b, tb);
            FloatVector i0 = topIdx.blend(topIdx.add(1f), tb);
            VectorMask<Float> td = d.compare(VectorOperators.GT, c).or(d.test(VectorOperators.IS_NAN));
            FloatVector m1 = c.blend(d, td);
            FloatVector i1 = bottom.blend(bottom.add(1f), td);
            VectorMask<Float> t = m1.compare(VectorOperators.GT, m0).or(m1.test(VectorOperators.IS_NAN));
            m0.blend(m1, t).intoMemorySegment(y, yAt, NO);
            if (argmax != null) {
                ((IntVector) i0.blend(i1, t).convert(VectorOperators.F2I, 0)).intoArray(argmax, ai);
            }
        } else {
            FloatVector sum = a.add(b).add(c).add(d);
            (op == PairOp.MEAN ? sum.div(4f) : sum).intoMemorySegment(y, yAt, NO);
        }
    }

    /** One output of a 2x2 block reduction, top-left input at element {@code r0} (index {@code top} in its plane). */
    private static void pairScalar(MemorySegment x, long r0, int w, int top, MemorySegment y, long yi,
                                   int[] argmax, int ai, PairOp op) {
        long r1 = r0 + w;
        float a = x.getAtIndex(F, r0), b = x.getAtIndex(F, r0 + 1);
        float c = x.getAtIndex(F, r1), d = x.getAtIndex(F, r1 + 1);
        if (op == PairOp.MAX) {
            boolean tb = b > a || b != b, td = d > c || d != d;
            float m0 = tb ? b : a, m1 = td ? d : c;
            boolean t = m1 > m0 || m1 != m1;
            y.setAtIndex(F, yi, t ? m1 : m0);
            if (argmax != null) {
                argmax[ai] = t ? top + w + (td ? 1 : 0) : top + (tb ? 1 : 0);
            }
        } else {
            float sum = a + b + c + d;
            y.setAtIndex(F, yi, op == PairOp.MEAN ? sum / 4f : sum);
        }
    }

    /**
     * {@link #pairReduce} one output at a time over {@code planes} planes {@code [h, w]} (short rows, or no
     * vectors), with the same comparisons and sums. One flat loop over all outputs of all planes: loops over
     * rows of a few outputs would cost more in loop set-up than in work.
     */
    private static void pairReduceScalar(MemorySegment x, long xOff, int planes, int h, int w, int oh, int ow,
                                         MemorySegment y, long yOff, int[] argmax, int argOff, PairOp op) {
        int total = Math.toIntExact((long) planes * oh * ow);
        int ox = 0, oy = 0;
        long plane = xOff;
        for (int i = 0; i < total; i++) {
            int top = 2 * oy * w + 2 * ox;
            pairScalar(x, plane + top, w, top, y, yOff + i, argmax, argOff + i, op);
            if (++ox == ow) {
                ox = 0;
                if (++oy == oh) {
                    oy = 0;
                    plane += (long) h * w;
                }
            }
        }
    }

    /**
     * The transpose of a 2x2 block reduction: each value of {@code [oh, ow]} at {@code yp}, times {@code scale},
     * written to its 2x2 block of plane {@code [h, w]} at {@code xp} ({@code ow >= L}); a last odd row or
     * column (covered by no block) is set to zero.
     */
    private static void pairExpand(MemorySegment y, long yp, int oh, int ow, MemorySegment x, long xp, int w, float scale) {
        for (int oy = 0; oy < oh; oy++) {
            long r0 = xp + (long) (2 * oy) * w, r1 = r0 + w;
            for (int g = 0; g < ow; g += L) {
                int ox0 = Math.min(g, ow - L);
                FloatVector v = FloatVector.fromMemorySegment(S, y, (yp + (long) oy * ow + ox0) * Float.BYTES, NO);
                if (scale != 1f) {
                    v = v.mul(scale);
                }
                FloatVector lo = v.rearrange(DUP_LO), hi = v.rearrange(DUP_HI);
                long o = 2L * ox0 * Float.BYTES, o2 = o + (long) L * Float.BYTES;
                lo.intoMemorySegment(x, r0 * Float.BYTES + o, NO);
                hi.intoMemorySegment(x, r0 * Float.BYTES + o2, NO);
                lo.intoMemorySegment(x, r1 * Float.BYTES + o, NO);
                hi.intoMemorySegment(x, r1 * Float.BYTES + o2, NO);
            }
            if (w > 2 * ow) {
                x.setAtIndex(F, r0 + w - 1, 0f);
                x.setAtIndex(F, r1 + w - 1, 0f);
            }
        }
    }

    // ------------------------------------------------------------------ phase layout

    /**
     * Writes plane {@code [h, w]} at {@code xp}, padded with {@code fill}, as {@code sh * sw} phases {@code [hq, wq]}
     * from {@code outOff}. With column stride 2 each padded row is built once after the phases and split into
     * its two phase rows by de-interleaving vectors; other strides gather.
     */
    private static void split(MemorySegment x, long xp, int h, int w, int sh, int sw, int ph, int pw, int hq, int wq,
                              float fill, MemorySegment out, long outOff) {
        long phase = (long) hq * wq;
        if (sw == 2 && wq >= L) {
            long row = outOff + (long) sh * sw * phase;   // the padded row: 2 wq floats (+ L slack)
            for (int a = 0; a < sh; a++) {
                for (int u = 0; u < hq; u++) {
                    long even = outOff + ((long) a * sw) * phase + (long) u * wq, odd = even + phase;
                    int iy = u * sh + a - ph;
                    if (iy < 0 || iy >= h) {
                        fill(out, even, wq, fill);
                        fill(out, odd, wq, fill);
                        continue;
                    }
                    fill(out, row, pw, fill);
                    Im2col.copyRun(x, xp + (long) iy * w, out, row + pw, w, true);
                    fill(out, row + pw + w, 2L * wq - pw - w, fill);
                    for (int g = 0; g < wq; g += L) {
                        int v0 = Math.min(g, wq - L);
                        long at = (row + 2L * v0) * Float.BYTES;
                        FloatVector p = FloatVector.fromMemorySegment(S, out, at, NO);
                        FloatVector q = FloatVector.fromMemorySegment(S, out, at + (long) L * Float.BYTES, NO);
                        p.rearrange(EVEN, q).intoMemorySegment(out, (even + v0) * Float.BYTES, NO);
                        p.rearrange(ODD, q).intoMemorySegment(out, (odd + v0) * Float.BYTES, NO);
                    }
                }
            }
            return;
        }
        for (int a = 0; a < sh; a++) {
            for (int b = 0; b < sw; b++) {
                long dstPlane = outOff + ((long) a * sw + b) * phase;
                int vlo = first(b, sw, pw), vhi = end(b, sw, pw, w, wq);
                for (int u = 0; u < hq; u++) {
                    long dst = dstPlane + (long) u * wq;
                    int iy = u * sh + a - ph;
                    boolean real = iy >= 0 && iy < h && vhi > vlo;
                    int lo = real ? vlo : wq, hi = real ? vhi : wq;
                    fill(out, dst, lo, fill);
                    if (real) {
                        long src = xp + (long) iy * w + (long) vlo * sw + b - pw;
                        if (sw == 1) {
                            Im2col.copyRun(x, src, out, dst + vlo, vhi - vlo, true);
                        } else {
                            for (int t = 0; t < vhi - vlo; t++) {
                                out.setAtIndex(F, dst + vlo + t, x.getAtIndex(F, src + (long) t * sw));
                            }
                        }
                    }
                    fill(out, dst + hi, wq - hi, fill);
                }
            }
        }
    }

    private static void fill(MemorySegment m, long at, long n, float v) {
        for (long i = 0; i < n; i++) {
            m.setAtIndex(F, at + i, v);
        }
    }

    /** Copies the plane's own pixels out of the phase layout into {@code [h, w]} at {@code xp} (padding dropped). */
    private static void merge(MemorySegment in, long inOff, int h, int w, int sh, int sw, int ph, int pw, int hq, int wq,
                              MemorySegment x, long xp) {
        long phase = (long) hq * wq;
        for (int a = 0; a < sh; a++) {
            for (int b = 0; b < sw; b++) {
                long srcPlane = inOff + ((long) a * sw + b) * phase;
                int vlo = first(b, sw, pw), vhi = end(b, sw, pw, w, wq);
                if (vhi <= vlo) {
                    continue;
                }
                for (int u = 0; u < hq; u++) {
                    int iy = u * sh + a - ph;
                    if (iy < 0 || iy >= h) {
                        continue;
                    }
                    long src = srcPlane + (long) u * wq + vlo;
                    long dst = xp + (long) iy * w + (long) vlo * sw + b - pw;
                    if (sw == 1) {
                        Im2col.copyRun(in, src, x, dst, vhi - vlo, true);
                    } else {
                        for (int t = 0; t < vhi - vlo; t++) {
                            x.setAtIndex(F, dst + (long) t * sw, in.getAtIndex(F, src + t));
                        }
                    }
                }
            }
        }
    }

    private static int first(int b, int s, int pad) {
        int need = pad - b;
        return need <= 0 ? 0 : (need + s - 1) / s;
    }

    private static int end(int b, int s, int pad, int w, int limit) {
        int last = w - 1 + pad - b;
        return last < 0 ? 0 : Math.min(limit, last / s + 1);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static void checkScratch(String op, MemorySegment scratch, long off, long need) {
        if (scratch == null || off < 0 || off + need > scratch.byteSize() / Float.BYTES) {
            throw new IllegalArgumentException(op + ": needs " + need + " floats of scratch at offset " + off + ", got "
                    + (scratch == null ? "none" : scratch.byteSize() / Float.BYTES + " floats"));
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
