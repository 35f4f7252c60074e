package dev.isthmus.kernel.conv;

import dev.isthmus.kernel.Engine;
import dev.isthmus.kernel.Runs;
import dev.isthmus.kernel.Window;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * The im2col and col2im transforms that turn a 2-D convolution into a matrix product (as in Caffe).
 *
 * <p>For one image {@code [C, H, W]} and a {@code kh x kw} kernel with stride {@code (sh, sw)} and zero
 * padding {@code (ph, pw)}, the column matrix has {@code K = C * kh * kw} rows and
 * {@code P = OH * OW} columns: row {@code (c * kh + i) * kw + j}, column {@code oy * OW + ox} holds
 * {@code x[c, oy * sh - ph + i, ox * sw - pw + j]} (zero outside the image). Rows are {@code ld} apart,
 * so several images can share one wide matrix (image {@code n} at column offset {@code n * P}, with
 * {@code ld = N * P}). {@link #col2im} is the adjoint: it sums each column entry back onto the input
 * pixel it came from, which is how the input gradient is formed.
 *
 * <p>Rows are short (28 values for LeNet), so what costs is the work per run of {@code OW} values, not
 * per value. Padding and stride are therefore taken out of the inner loop: the image is first
 * rearranged into a zero-padded, stride-phase-split copy ({@link Window}'s layout, shared with pooling) in
 * a caller-provided scratch buffer ({@link #scratchSize}; none is needed for stride 1 without padding), so
 * every run is one contiguous copy without tests, done with a few unrolled (overlapping) vector moves
 * ({@link Runs}). col2im accumulates into the same layout and copies the image out of it once, adding
 * each pixel's contributions in the same order as a direct loop would (results are deterministic).
 * The scalar path runs when {@link Engine#useVectors()} is false.
 */
public final class Im2col {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Im2col() {
    }

    /** Floats of scratch that {@link #im2col} and {@link #col2im} need per image: 0 for stride 1 without padding. */
    public static long scratchSize(int c, int h, int w, int sh, int sw, int ph, int pw) {
        return Window.trivial(sh, sw, ph, pw) ? 0 : Window.phasedSize(c, h, w, sh, sw, ph, pw);
    }

    /**
     * Writes the column matrix of the image at element {@code xOff} of {@code x} into {@code col}, starting
     * at element {@code colOff}, rows {@code ld} elements apart. {@code scratch} (from {@code scratchOff})
     * must hold {@link #scratchSize} floats; it may be null when that is 0.
     */
    public static void im2col(MemorySegment x, long xOff, int c, int h, int w, int kh, int kw, int sh, int sw,
                              int ph, int pw, MemorySegment col, long colOff, int ld, MemorySegment scratch, long scratchOff) {
        im2col(x, xOff, c, h, w, kh, kw, sh, sw, ph, pw, col, colOff, ld, scratch, scratchOff, Engine.get().useVectors());
    }

    /** {@link #im2col} on the vector ({@code vec}) or scalar path. */
    static void im2col(MemorySegment x, long xOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                       MemorySegment col, long colOff, int ld, MemorySegment scratch, long scratchOff, boolean vec) {
        int oh = Window.outSize(h, kh, sh, ph), ow = Window.outSize(w, kw, sw, pw);
        check("im2col", x, xOff, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, col, colOff, ld, scratch, scratchOff);
        boolean phased = scratchSize(c, h, w, sh, sw, ph, pw) > 0;
        int hq = phased ? Window.phaseRows(h, sh, ph) : h, wq = phased ? Window.phaseCols(w, sw, pw) : w;
        MemorySegment src = phased ? scratch : x;
        if (phased) {
            Window.split(x, xOff, c, h, w, sh, sw, ph, pw, hq, wq, 0f, scratch, scratchOff, vec);
        }
        long planeSize = (long) hq * wq, srcOff = phased ? scratchOff : xOff;
        int phaseH = phased ? sh : 1, phaseW = phased ? sw : 1;
        for (int t = 0, taps = c * kh * kw; t < taps; t++) {
            long base = srcOff + Window.tapOffset(t, kh, kw, phaseH, phaseW, wq, planeSize);
            Runs.copyRuns(src, base, wq, col, colOff + (long) t * ld, ow, oh, ow, vec);
        }
    }

    /**
     * Sets the image at element {@code xOff} of {@code dx} ({@code [C, H, W]}) to the sum, over the column
     * matrix at {@code colOff} (rows {@code ld} apart), of each entry onto the pixel it was copied from;
     * padded entries are dropped. {@code scratch} as for {@link #im2col}.
     */
    public static void col2im(MemorySegment col, long colOff, int ld, int c, int h, int w, int kh, int kw, int sh, int sw,
                              int ph, int pw, MemorySegment dx, long xOff, MemorySegment scratch, long scratchOff) {
        col2im(col, colOff, ld, c, h, w, kh, kw, sh, sw, ph, pw, dx, xOff, scratch, scratchOff, Engine.get().useVectors());
    }

    /** {@link #col2im} on the vector ({@code vec}) or scalar path. */
    static void col2im(MemorySegment col, long colOff, int ld, int c, int h, int w, int kh, int kw, int sh, int sw,
                       int ph, int pw, MemorySegment dx, long xOff, MemorySegment scratch, long scratchOff, boolean vec) {
        int oh = Window.outSize(h, kh, sh, ph), ow = Window.outSize(w, kw, sw, pw);
        check("col2im", dx, xOff, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, col, colOff, ld, scratch, scratchOff);
        long size = scratchSize(c, h, w, sh, sw, ph, pw);
        boolean phased = size > 0;
        int hq = phased ? Window.phaseRows(h, sh, ph) : h, wq = phased ? Window.phaseCols(w, sw, pw) : w;
        MemorySegment acc = phased ? scratch : dx;
        long accOff = phased ? scratchOff : xOff;
        Runs.zero(acc, accOff, phased ? size : (long) c * h * w, vec);
        // lanes of the last, overlapping vector of a run that the whole vectors have not covered yet
        int rem = ow % L;
        VectorMask<Float> tail = vec && ow > L && rem != 0 ? S.indexInRange(-(L - rem), rem) : null;
        long planeSize = (long) hq * wq;
        int phaseH = phased ? sh : 1, phaseW = phased ? sw : 1;
        for (int t = 0, taps = c * kh * kw; t < taps; t++) {
            long row = colOff + (long) t * ld, base = accOff + Window.tapOffset(t, kh, kw, phaseH, phaseW, wq, planeSize);
            for (int oy = 0; oy < oh; oy++) {
                Runs.addRun(col, row + (long) oy * ow, acc, base + (long) oy * wq, ow, vec, tail);
            }
        }
        if (phased) {
            Window.merge(scratch, scratchOff, c, h, w, sh, sw, ph, pw, hq, wq, dx, xOff, vec);
        }
    }

    private static void check(String op, MemorySegment x, long xOff, int c, int h, int w, int kh, int kw,
                              int sh, int sw, int ph, int pw, int oh, int ow, MemorySegment col, long colOff, int ld,
                              MemorySegment scratch, long scratchOff) {
        if (c < 1 || h < 1 || w < 1 || kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0) {
            throw new IllegalArgumentException(op + ": invalid geometry C=" + c + " H=" + h + " W=" + w + " kernel="
                    + kh + "x" + kw + " stride=" + sh + "x" + sw + " padding=" + ph + "x" + pw);
        }
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException(op + ": kernel " + kh + "x" + kw + " does not fit image " + h + "x" + w
                    + " padded by " + ph + "x" + pw);
        }
        long p = (long) oh * ow;
        if (ld < p) {
            throw new IllegalArgumentException(op + ": ld " + ld + " < columns per image " + p);
        }
        long k = (long) c * kh * kw;
        if (xOff < 0 || xOff + (long) c * h * w > x.byteSize() / Float.BYTES) {
            throw new IllegalArgumentException(op + ": image [" + c + ", " + h + ", " + w + "] at offset " + xOff
                    + " exceeds its segment of " + x.byteSize() / Float.BYTES + " floats");
        }
        if (colOff < 0 || colOff + (k - 1) * ld + p > col.byteSize() / Float.BYTES) {
            throw new IllegalArgumentException(op + ": column matrix " + k + "x" + p + " (ld " + ld + ") at offset "
                    + colOff + " exceeds its segment of " + col.byteSize() / Float.BYTES + " floats");
        }
        long need = scratchSize(c, h, w, sh, sw, ph, pw);
        if (need > 0 && (scratch == null || scratchOff < 0 || scratchOff + need > scratch.byteSize() / Float.BYTES)) {
            throw new IllegalArgumentException(op + ": needs " + need + " floats of scratch at offset " + scratchOff + ", got "
                    + (scratch == null ? "none" : scratch.byteSize() / Float.BYTES + " floats"));
        }
    }
}
