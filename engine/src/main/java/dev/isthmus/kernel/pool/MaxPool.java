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
 * 2-D max pooling over runs of planes of NCHW tensors (a plane is the {@code H x W} image of one channel of
 * one sample), with PyTorch's CPU semantics: padding acts as {@code -inf} (a padded pixel never wins), the
 * first maximum in row-major window order wins, NaN propagates; the flat index of the winner inside its
 * plane is kept for backward (unless no index buffer is given: an inference pass), which routes each output
 * gradient to it.
 *
 * <p>Windows are tiny (2x2, 3x3), so looping over a window per output costs more in loop set-up than in
 * arithmetic. The vector path computes {@code L} outputs of a row at once from the plane's stride phases
 * ({@link Window}, in scratch of {@link PoolPhases#scratchSize} floats): every window tap is one contiguous
 * vector load; the running maximum and the winner's index are a float and an int vector, updated tap by tap
 * in PyTorch's order. 2x2 windows of stride 2 take {@link PairBlocks}. The scalar path (used when
 * {@link Engine#useVectors()} is false, or rows are shorter than a vector) loops over clipped windows.
 * Parallelism over planes is the caller's.
 */
public final class MaxPool {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Integer> SI = S.withLanes(int.class);
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Output rows at least this long take the vector path, shorter than a vector or not. */
    private static final int MIN_MASKED_ROW = Math.min(L, 4);

    private MaxPool() {
    }

    /**
     * Max pooling of {@code planes} planes {@code [h, w]} at {@code xOff} into planes {@code [oh, ow]} at
     * {@code yOff}, with each winner's index inside its input plane written to {@code argmax[argOff ...]}
     * (none when {@code argmax} is null: an inference pass keeps nothing for backward).
     * {@code scratch} must hold {@link PoolPhases#scratchSize} floats from {@code scratchOff}.
     */
    public static void forward(MemorySegment x, long xOff, MemorySegment y, long yOff, int[] argmax, int argOff,
                                  int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                                  MemorySegment scratch, long scratchOff) {
        forward(x, xOff, y, yOff, argmax, argOff, planes, h, w, kh, kw, sh, sw, ph, pw, scratch, scratchOff,
                Engine.get().useVectors());
    }

    static void forward(MemorySegment x, long xOff, MemorySegment y, long yOff, int[] argmax, int argOff,
                           int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                           MemorySegment scratch, long scratchOff, boolean vec) {
        int oh = Window.outSize(h, kh, sh, ph), ow = Window.outSize(w, kw, sw, pw);
        PoolPhases.check("max pool", x, xOff, y, yOff, planes, h, w, oh, ow);
        if (argmax != null && (argOff < 0 || argmax.length < argOff + (long) planes * oh * ow)) {
            throw new IllegalArgumentException("max pool: index buffer of " + argmax.length + " for " + planes + " planes of "
                    + oh + "x" + ow + " at " + argOff);
        }
        boolean exact = (long) h * w < (1 << 24);   // indices ride along as floats
        boolean pair = vec && exact && ow >= L && PairBlocks.pairWindows(kh, kw, sh, sw, ph, pw);
        if (!pair && PairBlocks.pairWindows(kh, kw, sh, sw, ph, pw)) {
            PairBlocks.reduceAll(x, xOff, planes, h, w, oh, ow, y, yOff, argmax, argOff, PairBlocks.Op.MAX, vec && exact);
            return;
        }
        // rows shorter than a vector (AlexNet's 13-wide second pooling under AVX-512) use the first ow lanes
        boolean vector = vec && exact && ow >= MIN_MASKED_ROW;
        if (vector && !pair) {
            PoolPhases.checkScratch("max pool", scratch, scratchOff, PoolPhases.scratchSize(h, w, sh, sw, ph, pw));
        }
        for (int c = 0; c < planes; c++) {
            long xp = xOff + (long) c * h * w;
            long yp = yOff + (long) c * oh * ow;
            int ap = argOff + c * oh * ow;
            if (pair) {
                PairBlocks.reduce(x, xp, w, oh, ow, y, yp, argmax, ap, PairBlocks.Op.MAX);
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

    /**
     * One plane: L outputs at a time, the last group overlapping the previous one; a row shorter than a vector
     * is one group whose first {@code ow} lanes are stored (the loads past it stay inside the scratch's slack).
     */
    private static void maxPlaneVector(MemorySegment x, long xp, MemorySegment y, long yp, int[] argmax, int ap,
                                       int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow,
                                       MemorySegment scratch, long sOff) {
        int hq = Window.phaseRows(h, sh, ph), wq = Window.phaseCols(w, sw, pw);
        long phase = (long) hq * wq;
        PoolPhases.split(x, xp, h, w, sh, sw, ph, pw, hq, wq, Float.NEGATIVE_INFINITY, scratch, sOff);
        FloatVector minusInf = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        // indices ride along as floats (exact below 2^24, checked by the caller), so no mask changes type per tap
        FloatVector lanesTimesStride = FloatVector.zero(S).addIndex(sw);
        // no vector or mask may meet null at a merge point: C2 would box it, allocating on every row
        boolean partial = ow < L;
        VectorMask<Float> part = S.indexInRange(0, Math.min(ow, L));
        VectorMask<Integer> partInt = SI.indexInRange(0, Math.min(ow, L));
        for (int oy = 0; oy < oh; oy++) {
            int hs = Math.max(oy * sh - ph, 0);
            for (int g = 0; g < ow; g += L) {
                int ox0 = Math.max(0, Math.min(g, ow - L));
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
                if (!partial) {
                    best.intoMemorySegment(y, (yp + (long) oy * ow + ox0) * Float.BYTES, NO);
                    if (argmax != null) {
                        ((IntVector) idx.convert(VectorOperators.F2I, 0)).intoArray(argmax, ap + oy * ow + ox0);
                    }
                } else if ((yp + (long) oy * ow + L) * Float.BYTES <= y.byteSize()
                        && (argmax == null || ap + oy * ow + L <= argmax.length)) {
                    best.intoMemorySegment(y, (yp + (long) oy * ow) * Float.BYTES, NO, part);
                    if (argmax != null) {
                        ((IntVector) idx.convert(VectorOperators.F2I, 0)).intoArray(argmax, ap + oy * ow, partInt);
                    }
                } else {
                    // a masked store whose full width passes the end of its buffer takes the Vector API's
                    // lane-checking path, which allocates: the last row of the last plane goes lane by lane
                    for (int i = 0; i < ow; i++) {
                        y.setAtIndex(F, yp + (long) oy * ow + i, best.lane(i));
                        if (argmax != null) {
                            argmax[ap + oy * ow + i] = (int) idx.lane(i);
                        }
                    }
                }
            }
        }
    }

    /**
     * Max pooling backward: sets the input planes at {@code dxOff} to zero and adds each output gradient onto
     * the pixel recorded in {@code argmax} (overlapping windows add up).
     */
    public static void backward(MemorySegment dy, long dyOff, int[] argmax, int argOff, MemorySegment dx, long dxOff,
                                   int planes, int h, int w, int oh, int ow) {
        PoolPhases.check("max pool backward", dx, dxOff, dy, dyOff, planes, h, w, oh, ow);
        boolean vec = Engine.get().useVectors();
        int hw = h * w, ohw = oh * ow;
        Runs.zero(dx, dxOff, (long) planes * hw, vec);
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
}
