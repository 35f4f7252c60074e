package dev.isthmus.kernel.pool;

import dev.isthmus.kernel.Runs;
import dev.isthmus.kernel.Window;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * What the pooling kernels share: the scratch a plane's stride phases need ({@link Window}'s layout, plus one
 * padded row for the stride-2 fast path), the split itself (column stride 2 de-interleaves each padded row
 * with two shuffles instead of gathering; other strides take {@link Window#split}), and the bounds checks.
 */
public final class PoolPhases {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    /** Even / odd lanes of two vectors side by side (negative: lanes of the second vector). */
    static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> 2 * i < L ? 2 * i : 2 * i - 2 * L);
    static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(S, i -> 2 * i + 1 < L ? 2 * i + 1 : 2 * i + 1 - 2 * L);

    private PoolPhases() {
    }

    /** Floats of scratch a pooling call needs: one plane's stride phases (padding included) and one padded row. */
    public static long scratchSize(int h, int w, int sh, int sw, int ph, int pw) {
        long wq = Window.phaseCols(w, sw, pw);
        return Window.phasedSize(1, h, w, sh, sw, ph, pw) + sw * wq + L;
    }

    /**
     * Writes plane {@code [h, w]} at {@code xp}, padded with {@code fill}, as {@code sh * sw} phases {@code [hq, wq]}
     * from {@code outOff}. With column stride 2 each padded row is built once after the phases and split into
     * its two phase rows by de-interleaving vectors; other strides gather.
     */
    static void split(MemorySegment x, long xp, int h, int w, int sh, int sw, int ph, int pw, int hq, int wq,
                              float fill, MemorySegment out, long outOff) {
        long phase = (long) hq * wq;
        if (sw == 2 && wq >= L) {
            long row = outOff + (long) sh * sw * phase;   // the padded row: 2 wq floats (+ L slack)
            for (int a = 0; a < sh; a++) {
                for (int u = 0; u < hq; u++) {
                    long even = outOff + ((long) a * sw) * phase + (long) u * wq, odd = even + phase;
                    int iy = u * sh + a - ph;
                    if (iy < 0 || iy >= h) {
                        Runs.fill(out, even, wq, fill, true);
                        Runs.fill(out, odd, wq, fill, true);
                        continue;
                    }
                    Runs.fill(out, row, pw, fill, true);
                    Runs.copyRun(x, xp + (long) iy * w, out, row + pw, w, true);
                    Runs.fill(out, row + pw + w, 2L * wq - pw - w, fill, true);
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
        Window.split(x, xp, 1, h, w, sh, sw, ph, pw, hq, wq, fill, out, outOff, true);
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
