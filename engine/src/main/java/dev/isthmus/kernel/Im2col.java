package dev.isthmus.kernel;

import dev.isthmus.runtime.Engine;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

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
 * <p>Each kernel row is a run of contiguous copies (stride 1, vectorized) or strided gathers, with zero
 * runs for the padded borders computed once per kernel column instead of tested per element. The
 * scalar path runs when {@link Engine#useVectors()} is false.
 */
public final class Im2col {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Im2col() {
    }

    /** Output size along one axis: {@code floor((in + 2 pad - k) / stride) + 1}, or 0 if the kernel does not fit. */
    public static int outSize(int in, int k, int stride, int pad) {
        if (stride < 1) {
            throw new IllegalArgumentException("stride must be >= 1, got " + stride);
        }
        int span = in + 2 * pad - k;
        return span < 0 ? 0 : span / stride + 1;
    }

    /**
     * Writes the column matrix of the image at element {@code xOff} of {@code x} into {@code col}, starting
     * at element {@code colOff}, rows {@code ld} elements apart.
     */
    public static void im2col(MemorySegment x, long xOff, int c, int h, int w, int kh, int kw,
                              int sh, int sw, int ph, int pw, MemorySegment col, long colOff, int ld) {
        im2col(x, xOff, c, h, w, kh, kw, sh, sw, ph, pw, col, colOff, ld, Engine.get().useVectors());
    }

    /** {@link #im2col} on the vector ({@code vec}) or scalar path. */
    static void im2col(MemorySegment x, long xOff, int c, int h, int w, int kh, int kw,
                       int sh, int sw, int ph, int pw, MemorySegment col, long colOff, int ld, boolean vec) {
        int oh = outSize(h, kh, sh, ph), ow = outSize(w, kw, sw, pw);
        check("im2col", x, xOff, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, col, colOff, ld);
        for (int ci = 0; ci < c; ci++) {
            long plane = xOff + (long) ci * h * w;
            for (int ki = 0; ki < kh; ki++) {
                for (int kj = 0; kj < kw; kj++) {
                    long row = colOff + (long) ((ci * kh + ki) * kw + kj) * ld;
                    int lo = firstInside(kj, sw, pw), hi = endInside(kj, sw, pw, w, ow);
                    int run = hi - lo;
                    for (int oy = 0; oy < oh; oy++) {
                        long dst = row + (long) oy * ow;
                        int iy = oy * sh - ph + ki;
                        if (iy < 0 || iy >= h || run <= 0) {
                            zero(col, dst, ow, vec);
                            continue;
                        }
                        long src = plane + (long) iy * w + (long) lo * sw - pw + kj;
                        zero(col, dst, lo, vec);
                        if (sw == 1) {
                            copy(x, src, col, dst + lo, run, vec);
                        } else {
                            for (int t = 0; t < run; t++) {
                                col.setAtIndex(F, dst + lo + t, x.getAtIndex(F, src + (long) t * sw));
                            }
                        }
                        zero(col, dst + hi, ow - hi, vec);
                    }
                }
            }
        }
    }

    /**
     * Sets the image at element {@code xOff} of {@code dx} ({@code [C, H, W]}) to the sum, over the column
     * matrix at {@code colOff} (rows {@code ld} apart), of each entry onto the pixel it was copied from;
     * padded entries are dropped. Entries are added in a fixed order, so the result is deterministic.
     */
    public static void col2im(MemorySegment col, long colOff, int ld, int c, int h, int w, int kh, int kw,
                              int sh, int sw, int ph, int pw, MemorySegment dx, long xOff) {
        col2im(col, colOff, ld, c, h, w, kh, kw, sh, sw, ph, pw, dx, xOff, Engine.get().useVectors());
    }

    /** {@link #col2im} on the vector ({@code vec}) or scalar path. */
    static void col2im(MemorySegment col, long colOff, int ld, int c, int h, int w, int kh, int kw,
                       int sh, int sw, int ph, int pw, MemorySegment dx, long xOff, boolean vec) {
        int oh = outSize(h, kh, sh, ph), ow = outSize(w, kw, sw, pw);
        check("col2im", dx, xOff, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, col, colOff, ld);
        zero(dx, xOff, (long) c * h * w, vec);
        for (int ci = 0; ci < c; ci++) {
            long plane = xOff + (long) ci * h * w;
            for (int ki = 0; ki < kh; ki++) {
                for (int kj = 0; kj < kw; kj++) {
                    long row = colOff + (long) ((ci * kh + ki) * kw + kj) * ld;
                    int lo = firstInside(kj, sw, pw), hi = endInside(kj, sw, pw, w, ow);
                    int run = hi - lo;
                    if (run <= 0) {
                        continue;
                    }
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * sh - ph + ki;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        long src = row + (long) oy * ow + lo;
                        long dst = plane + (long) iy * w + (long) lo * sw - pw + kj;
                        if (sw == 1) {
                            addInto(col, src, dx, dst, run, vec);
                        } else {
                            for (int t = 0; t < run; t++) {
                                long at = dst + (long) t * sw;
                                dx.setAtIndex(F, at, dx.getAtIndex(F, at) + col.getAtIndex(F, src + t));
                            }
                        }
                    }
                }
            }
        }
    }

    /** First output column whose input column {@code ox * sw - pw + kj} is inside the image. */
    private static int firstInside(int kj, int sw, int pw) {
        int need = pw - kj;
        return need <= 0 ? 0 : (need + sw - 1) / sw;
    }

    /** One past the last output column whose input column is inside an image of width {@code w}. */
    private static int endInside(int kj, int sw, int pw, int w, int ow) {
        int last = w - 1 + pw - kj;
        if (last < 0) {
            return 0;
        }
        return Math.min(ow, last / sw + 1);
    }

    static void zero(MemorySegment m, long at, long n, boolean vec) {
        long i = 0;
        if (vec) {
            FloatVector z = FloatVector.zero(S);
            for (; i + L <= n; i += L) {
                z.intoMemorySegment(m, (at + i) * Float.BYTES, NO);
            }
        }
        for (; i < n; i++) {
            m.setAtIndex(F, at + i, 0f);
        }
    }

    static void copy(MemorySegment src, long s, MemorySegment dst, long d, int n, boolean vec) {
        int i = 0;
        if (vec) {
            for (; i + L <= n; i += L) {
                FloatVector.fromMemorySegment(S, src, (s + i) * Float.BYTES, NO).intoMemorySegment(dst, (d + i) * Float.BYTES, NO);
            }
        }
        for (; i < n; i++) {
            dst.setAtIndex(F, d + i, src.getAtIndex(F, s + i));
        }
    }

    static void addInto(MemorySegment src, long s, MemorySegment dst, long d, int n, boolean vec) {
        int i = 0;
        if (vec) {
            for (; i + L <= n; i += L) {
                long db = (d + i) * Float.BYTES;
                FloatVector.fromMemorySegment(S, dst, db, NO)
                        .add(FloatVector.fromMemorySegment(S, src, (s + i) * Float.BYTES, NO))
                        .intoMemorySegment(dst, db, NO);
            }
        }
        for (; i < n; i++) {
            dst.setAtIndex(F, d + i, dst.getAtIndex(F, d + i) + src.getAtIndex(F, s + i));
        }
    }

    private static void check(String op, MemorySegment x, long xOff, int c, int h, int w, int kh, int kw,
                              int sh, int sw, int ph, int pw, int oh, int ow, MemorySegment col, long colOff, int ld) {
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
    }
}
