package dev.isthmus.kernel.pool;

import dev.isthmus.kernel.Runs;
import dev.isthmus.kernel.Window;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * What the pooling kernels share: the scratch a plane's stride phases need ({@link Window}'s layout), the split
 * itself (column stride 2 de-interleaves each input row with two shuffles instead of gathering; other
 * strides take {@link Window#split}), and the bounds checks.
 *
 * <p>No vector leaves a method here: a small helper returning a vector that C2 has already compiled on its own is
 * then too big to inline ("already compiled into a big method"), so its result is boxed, one allocation per call;
 * a masked-load helper did exactly that, 5 KB per AlexNet plane, whenever other pooling shapes had run first.
 */
public final class PoolPhases {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final java.lang.foreign.ValueLayout.OfFloat F = java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Even / odd lanes of two vectors side by side (negative: lanes of the second vector). */
    static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> 2 * i < L ? 2 * i : 2 * i - 2 * L);
    static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(S, i -> 2 * i + 1 < L ? 2 * i + 1 : 2 * i + 1 - 2 * L);

    private PoolPhases() {
    }

    /**
     * Floats of scratch a pooling call needs: one plane's stride phases (padding included) plus a vector's
     * slack, so that a full-vector load from any phase row stays inside the scratch.
     */
    public static long scratchSize(int h, int w, int sh, int sw, int ph, int pw) {
        return Window.phasedSize(1, h, w, sh, sw, ph, pw) + L;
    }

    /**
     * Writes plane {@code [h, w]} at {@code xp}, padded with {@code fill}, as {@code sh * sw} phases {@code [hq, wq]}
     * from {@code outOff}. With column stride 2 each input row is loaded straight from {@code x} as pairs of
     * vectors (masked where they pass the row's ends, the padding blended in) and de-interleaved into its two
     * phase rows; other strides gather.
     */
    static void split(MemorySegment x, long xp, int h, int w, int sh, int sw, int ph, int pw, int hq, int wq,
                              float fill, MemorySegment out, long outOff) {
        long phase = (long) hq * wq;
        if (sw == 2) {
            // rows shorter than a vector (wq < L) store the first wq lanes only: a full store would run into
            // the next phase's first row, written already
            boolean partial = wq < L;
            VectorMask<Float> part = S.indexInRange(0, Math.min(wq, L));   // never null: C2 would box it
            FloatVector pad = FloatVector.broadcast(S, fill);
            for (int a = 0; a < sh; a++) {
                for (int u = 0; u < hq; u++) {
                    long even = outOff + ((long) a * sw) * phase + (long) u * wq, odd = even + phase;
                    int iy = u * sh + a - ph;
                    if (iy < 0 || iy >= h) {
                        Runs.fill(out, even, wq, fill, true);
                        Runs.fill(out, odd, wq, fill, true);
                        continue;
                    }
                    long rowX = xp + (long) iy * w;
                    long end = rowX + 2L * Math.max(0, wq - L) - pw + 2L * L;   // past the last vector load
                    if (rowX - pw < 0 || end * Float.BYTES > x.byteSize()) {
                        // loads reaching outside x (its first or last row) would take the Vector API's lane-checking
                        // path, which allocates: this row goes element by element
                        for (int v = 0; v < wq; v++) {
                            out.setAtIndex(F, even + v, column(x, rowX, 2 * v - pw, w, fill));
                            out.setAtIndex(F, odd + v, column(x, rowX, 2 * v + 1 - pw, w, fill));
                        }
                        continue;
                    }
                    for (int g = 0; g < wq; g += L) {
                        int v0 = Math.max(0, Math.min(g, wq - L));
                        int c0 = 2 * v0 - pw;                         // input column of padded column 2 v0
                        // columns past the row's ends read as padding; the loads stay inline (see the class comment)
                        VectorMask<Float> inP = S.indexInRange(c0, w), inQ = S.indexInRange(c0 + L, w);
                        FloatVector p = FloatVector.fromMemorySegment(S, x, (rowX + c0) * Float.BYTES, NO, inP).blend(pad, inP.not());
                        FloatVector q = FloatVector.fromMemorySegment(S, x, (rowX + c0 + L) * Float.BYTES, NO, inQ)
                                .blend(pad, inQ.not());
                        FloatVector e = p.rearrange(EVEN, q), o = p.rearrange(ODD, q);
                        if (!partial) {
                            e.intoMemorySegment(out, (even + v0) * Float.BYTES, NO);
                            o.intoMemorySegment(out, (odd + v0) * Float.BYTES, NO);
                        } else {
                            e.intoMemorySegment(out, even * Float.BYTES, NO, part);
                            o.intoMemorySegment(out, odd * Float.BYTES, NO, part);
                        }
                    }
                }
            }
            return;
        }
        Window.split(x, xp, 1, h, w, sh, sw, ph, pw, hq, wq, fill, out, outOff, true);
    }

    /** Column {@code c} of the row at {@code rowX}, or {@code fill} outside {@code [0, w)}. */
    private static float column(MemorySegment x, long rowX, int c, int w, float fill) {
        return c >= 0 && c < w ? x.getAtIndex(F, rowX + c) : fill;
    }

    static void checkScratch(String op, MemorySegment scratch, long off, long need) {
        if (scratch == null || off < 0 || off + need > scratch.byteSize() / Float.BYTES) {
            throw new IllegalArgumentException(op + ": needs " + need + " floats of scratch at offset " + off + ", got "
                    + (scratch == null ? "none" : scratch.byteSize() / Float.BYTES + " floats"));
        }
    }

    /** {@code in} holds {@code planes} planes {@code [h, w]} at {@code inOff}; {@code out} holds them {@code [oh, ow]}. */
    static void check(String op, MemorySegment in, long inOff, MemorySegment out, long outOff,
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
