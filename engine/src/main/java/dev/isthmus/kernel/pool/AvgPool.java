package dev.isthmus.kernel.pool;

import dev.isthmus.kernel.Engine;
import dev.isthmus.kernel.Runs;
import dev.isthmus.kernel.Window;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * 2-D average pooling over runs of planes, as PyTorch computes it: the sum over the window's real pixels
 * divided by the window size, counting the padded pixels ({@code count_include_pad=True}, PyTorch's default)
 * or not. The vector path reads the plane's stride phases ({@link Window}) like {@link MaxPool}; backward
 * accumulates into the same layout and copies the plane's pixels out of it.
 */
public final class AvgPool {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final VectorSpecies<Integer> SI = S.withLanes(int.class);

    private AvgPool() {
    }

    /**
     * Average pooling; the divisor counts padded pixels when {@code countIncludePad} (PyTorch's default).
     * {@code scratch} as for {@link MaxPool#forward}.
     */
    public static void forward(MemorySegment x, long xOff, MemorySegment y, long yOff, int planes, int h, int w,
                                  int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad,
                                  MemorySegment scratch, long scratchOff) {
        forward(x, xOff, y, yOff, planes, h, w, kh, kw, sh, sw, ph, pw, countIncludePad, scratch, scratchOff,
                Engine.get().useVectors());
    }

    static void forward(MemorySegment x, long xOff, MemorySegment y, long yOff, int planes, int h, int w,
                           int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad,
                           MemorySegment scratch, long scratchOff, boolean vec) {
        int oh = Window.outSize(h, kh, sh, ph), ow = Window.outSize(w, kw, sw, pw);
        PoolPhases.check("avg pool", x, xOff, y, yOff, planes, h, w, oh, ow);
        boolean vector = vec && ow >= L;
        boolean pair = vector && PairBlocks.pairWindows(kh, kw, sh, sw, ph, pw);
        if (!vector && PairBlocks.pairWindows(kh, kw, sh, sw, ph, pw)) {
            PairBlocks.reduceAll(x, xOff, planes, h, w, oh, ow, y, yOff, null, 0, PairBlocks.Op.MEAN, vec);
            return;
        }
        if (vector && !pair) {
            PoolPhases.checkScratch("avg pool", scratch, scratchOff, PoolPhases.scratchSize(h, w, sh, sw, ph, pw));
        }
        for (int c = 0; c < planes; c++) {
            long xp = xOff + (long) c * h * w;
            long yp = yOff + (long) c * oh * ow;
            if (pair) {
                PairBlocks.reduce(x, xp, w, oh, ow, y, yp, null, 0, PairBlocks.Op.MEAN);
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

    private static void avgPlaneVector(MemorySegment x, long xp, MemorySegment y, long yp, int h, int w, int kh, int kw,
                                       int sh, int sw, int ph, int pw, int oh, int ow, boolean countIncludePad,
                                       MemorySegment scratch, long sOff) {
        int hq = Window.phaseRows(h, sh, ph), wq = Window.phaseCols(w, sw, pw);
        long phase = (long) hq * wq;
        PoolPhases.split(x, xp, h, w, sh, sw, ph, pw, hq, wq, 0f, scratch, sOff);
        FloatVector area = FloatVector.broadcast(S, kh * kw);
        IntVector lanesTimesStride = IntVector.zero(SI).addIndex(sw);
        for (int oy = 0; oy < oh; oy++) {
            int hs = oy * sh - ph, rows = Math.min(hs + kh, h) - Math.max(hs, 0);
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
                // PyTorch's divisor, computed inline: a helper returning a vector may be boxed (see PoolPhases)
                IntVector ws = lanesTimesStride.add(ox0 * sw - pw);
                FloatVector divisor = countIncludePad ? area
                        : (FloatVector) ws.add(kw).min(w).sub(ws.max(0)).mul(rows).convert(VectorOperators.I2F, 0);
                sum.div(divisor).intoMemorySegment(y, (yp + (long) oy * ow + ox0) * Float.BYTES, NO);
            }
        }
    }

    /**
     * Average pooling backward: each output gradient, divided as in forward, is added to every pixel of its
     * window. {@code scratch} as for {@link MaxPool#forward}.
     */
    public static void backward(MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, int planes, int h, int w,
                                   int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad,
                                   MemorySegment scratch, long scratchOff) {
        backward(dy, dyOff, dx, dxOff, planes, h, w, kh, kw, sh, sw, ph, pw, countIncludePad, scratch, scratchOff,
                Engine.get().useVectors());
    }

    static void backward(MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, int planes, int h, int w,
                            int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad,
                            MemorySegment scratch, long scratchOff, boolean vec) {
        int oh = Window.outSize(h, kh, sh, ph), ow = Window.outSize(w, kw, sw, pw);
        PoolPhases.check("avg pool backward", dx, dxOff, dy, dyOff, planes, h, w, oh, ow);
        boolean vector = vec && ow >= L;
        boolean pair = vector && PairBlocks.pairWindows(kh, kw, sh, sw, ph, pw);
        if (vector && !pair) {
            PoolPhases.checkScratch("avg pool backward", scratch, scratchOff, PoolPhases.scratchSize(h, w, sh, sw, ph, pw));
        } else {
            Runs.zero(dx, dxOff, (long) planes * h * w, vec);
        }
        for (int c = 0; c < planes; c++) {
            long xp = dxOff + (long) c * h * w;
            long yp = dyOff + (long) c * oh * ow;
            if (pair) {
                // PyTorch divides by the window size, 4: exact as a multiplication by 0.25
                PairBlocks.expand(dy, yp, oh, ow, dx, xp, w, 0.25f);
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
        int hq = Window.phaseRows(h, sh, ph), wq = Window.phaseCols(w, sw, pw);
        long phase = (long) hq * wq;
        Runs.zero(scratch, sOff, (long) sh * sw * phase, true);
        int rem = ow % L;
        // the last group overlaps the one before: its first L - rem lanes were already added
        VectorMask<Float> fresh = rem == 0 ? S.maskAll(true) : S.indexInRange(-(L - rem), rem);
        FloatVector area = FloatVector.broadcast(S, kh * kw);
        IntVector lanesTimesStride = IntVector.zero(SI).addIndex(sw);
        for (int oy = 0; oy < oh; oy++) {
            int hs = oy * sh - ph, rows = Math.min(hs + kh, h) - Math.max(hs, 0);
            for (int g = 0; g < ow; g += L) {
                int ox0 = Math.min(g, ow - L);
                IntVector ws = lanesTimesStride.add(ox0 * sw - pw);
                FloatVector divisor = countIncludePad ? area
                        : (FloatVector) ws.add(kw).min(w).sub(ws.max(0)).mul(rows).convert(VectorOperators.I2F, 0);
                FloatVector grad = FloatVector.fromMemorySegment(S, dy, (yp + (long) oy * ow + ox0) * Float.BYTES, NO).div(divisor);
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
        Window.merge(scratch, sOff, 1, h, w, sh, sw, ph, pw, hq, wq, dx, xp, true);
    }
}
