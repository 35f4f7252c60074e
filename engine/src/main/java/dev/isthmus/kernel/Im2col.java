package dev.isthmus.kernel;

import dev.isthmus.runtime.Engine;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
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
 * <p>Rows are short (28 values for LeNet), so what costs is the work per run of {@code OW} values, not
 * per value. Padding and stride are therefore taken out of the inner loop: the image is first
 * rearranged into a zero-padded, stride-phase-split copy in a caller-provided scratch buffer
 * ({@link #scratchSize}; none is needed for stride 1 without padding). Phase {@code (a, b)} holds the
 * padded pixels whose row is {@code a} mod {@code sh} and column {@code b} mod {@code sw}; kernel tap
 * {@code (i, j)} then reads phase {@code (i mod sh, j mod sw)} at offset {@code (i / sh, j / sw)} with
 * stride 1, so every run is one contiguous copy without tests, done with a few unrolled (overlapping)
 * vector moves. col2im accumulates into the same layout and copies the image out of it once, adding
 * each pixel's contributions in the same order as a direct loop would (results are deterministic).
 * The scalar path runs when {@link Engine#useVectors()} is false.
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

    /** Floats of scratch that {@link #im2col} and {@link #col2im} need per image: 0 for stride 1 without padding. */
    public static long scratchSize(int c, int h, int w, int sh, int sw, int ph, int pw) {
        if (sh == 1 && sw == 1 && ph == 0 && pw == 0) {
            return 0;
        }
        long hq = ceilDiv(h + 2L * ph, sh), wq = ceilDiv(w + 2L * pw, sw);
        return (long) c * sh * sw * hq * wq;
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
        int oh = outSize(h, kh, sh, ph), ow = outSize(w, kw, sw, pw);
        check("im2col", x, xOff, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, col, colOff, ld, scratch, scratchOff);
        boolean phased = scratchSize(c, h, w, sh, sw, ph, pw) > 0;
        int hq = phased ? ceilDiv(h + 2 * ph, sh) : h, wq = phased ? ceilDiv(w + 2 * pw, sw) : w;
        MemorySegment src = phased ? scratch : x;
        if (phased) {
            splitPhases(x, xOff, c, h, w, sh, sw, ph, pw, hq, wq, scratch, scratchOff, vec);
        }
        long planeSize = (long) hq * wq;
        for (int ci = 0; ci < c; ci++) {
            for (int ki = 0; ki < kh; ki++) {
                for (int kj = 0; kj < kw; kj++) {
                    long row = colOff + (long) ((ci * kh + ki) * kw + kj) * ld;
                    long base = phased
                            ? scratchOff + (((long) ci * sh + ki % sh) * sw + kj % sw) * planeSize + (long) (ki / sh) * wq + kj / sw
                            : xOff + (long) ci * planeSize + (long) ki * wq + kj;
                    copyRuns(src, base, wq, col, row, ow, oh, ow, vec);
                }
            }
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
        int oh = outSize(h, kh, sh, ph), ow = outSize(w, kw, sw, pw);
        check("col2im", dx, xOff, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, col, colOff, ld, scratch, scratchOff);
        long size = scratchSize(c, h, w, sh, sw, ph, pw);
        boolean phased = size > 0;
        int hq = phased ? ceilDiv(h + 2 * ph, sh) : h, wq = phased ? ceilDiv(w + 2 * pw, sw) : w;
        MemorySegment acc = phased ? scratch : dx;
        long accOff = phased ? scratchOff : xOff;
        zero(acc, accOff, phased ? size : (long) c * h * w, vec);
        // lanes of the last, overlapping vector of a run that the whole vectors have not covered yet
        int rem = ow % L;
        VectorMask<Float> tail = vec && ow > L && rem != 0 ? S.indexInRange(-(L - rem), rem) : null;
        long planeSize = (long) hq * wq;
        for (int ci = 0; ci < c; ci++) {
            for (int ki = 0; ki < kh; ki++) {
                for (int kj = 0; kj < kw; kj++) {
                    long row = colOff + (long) ((ci * kh + ki) * kw + kj) * ld;
                    long base = phased
                            ? accOff + (((long) ci * sh + ki % sh) * sw + kj % sw) * planeSize + (long) (ki / sh) * wq + kj / sw
                            : accOff + (long) ci * planeSize + (long) ki * wq + kj;
                    for (int oy = 0; oy < oh; oy++) {
                        addRun(col, row + (long) oy * ow, acc, base + (long) oy * wq, ow, vec, tail);
                    }
                }
            }
        }
        if (phased) {
            mergePhases(scratch, scratchOff, c, h, w, sh, sw, ph, pw, hq, wq, dx, xOff, vec);
        }
    }

    /** Writes the zero-padded image split into {@code sh * sw} stride phases, each {@code [hq, wq]}, per channel. */
    private static void splitPhases(MemorySegment x, long xOff, int c, int h, int w, int sh, int sw, int ph, int pw,
                                    int hq, int wq, MemorySegment out, long outOff, boolean vec) {
        long planeSize = (long) hq * wq;
        for (int ci = 0; ci < c; ci++) {
            long plane = xOff + (long) ci * h * w;
            for (int a = 0; a < sh; a++) {
                for (int b = 0; b < sw; b++) {
                    long dstPlane = outOff + (((long) ci * sh + a) * sw + b) * planeSize;
                    int vlo = firstInside(b, sw, pw), vhi = endInside(b, sw, pw, w, wq);
                    for (int u = 0; u < hq; u++) {
                        long dst = dstPlane + (long) u * wq;
                        int iy = u * sh + a - ph;
                        if (iy < 0 || iy >= h || vhi <= vlo) {
                            zero(out, dst, wq, vec);
                            continue;
                        }
                        long src = plane + (long) iy * w + (long) vlo * sw + b - pw;
                        zero(out, dst, vlo, vec);
                        if (sw == 1) {
                            copyRun(x, src, out, dst + vlo, vhi - vlo, vec);
                        } else {
                            for (int t = 0; t < vhi - vlo; t++) {
                                out.setAtIndex(F, dst + vlo + t, x.getAtIndex(F, src + (long) t * sw));
                            }
                        }
                        zero(out, dst + vhi, wq - vhi, vec);
                    }
                }
            }
        }
    }

    /** The inverse of {@link #splitPhases} on the image's own pixels: copies each back to {@code dx} (padding dropped). */
    private static void mergePhases(MemorySegment in, long inOff, int c, int h, int w, int sh, int sw, int ph, int pw,
                                    int hq, int wq, MemorySegment dx, long xOff, boolean vec) {
        long planeSize = (long) hq * wq;
        for (int ci = 0; ci < c; ci++) {
            long plane = xOff + (long) ci * h * w;
            for (int a = 0; a < sh; a++) {
                for (int b = 0; b < sw; b++) {
                    long srcPlane = inOff + (((long) ci * sh + a) * sw + b) * planeSize;
                    int vlo = firstInside(b, sw, pw), vhi = endInside(b, sw, pw, w, wq);
                    if (vhi <= vlo) {
                        continue;
                    }
                    for (int u = 0; u < hq; u++) {
                        int iy = u * sh + a - ph;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        long src = srcPlane + (long) u * wq + vlo;
                        long dst = plane + (long) iy * w + (long) vlo * sw + b - pw;
                        if (sw == 1) {
                            copyRun(in, src, dx, dst, vhi - vlo, vec);
                        } else {
                            for (int t = 0; t < vhi - vlo; t++) {
                                dx.setAtIndex(F, dst + (long) t * sw, in.getAtIndex(F, src + t));
                            }
                        }
                    }
                }
            }
        }
    }

    /** First index {@code v} with {@code v * s + b - pad >= 0}. */
    private static int firstInside(int b, int s, int pad) {
        int need = pad - b;
        return need <= 0 ? 0 : (need + s - 1) / s;
    }

    /** One past the last index {@code v < limit} with {@code v * s + b - pad < w}. */
    private static int endInside(int b, int s, int pad, int w, int limit) {
        int last = w - 1 + pad - b;
        if (last < 0) {
            return 0;
        }
        return Math.min(limit, last / s + 1);
    }

    private static int ceilDiv(long a, int b) {
        return Math.toIntExact((a + b - 1) / b);
    }

    /**
     * {@code count} runs of {@link #copyRun}: run {@code r} copies {@code n} floats from {@code s + r * sStride}
     * to {@code d + r * dStride}. The offsets of the unrolled moves are worked out once for all runs.
     */
    static void copyRuns(MemorySegment src, long s, long sStride, MemorySegment dst, long d, long dStride, int count,
                         int n, boolean vec) {
        if (!vec || n < L || n > 4 * L) {
            for (int r = 0; r < count; r++) {
                copyRun(src, s + r * sStride, dst, d + r * dStride, n, vec);
            }
            return;
        }
        long last = (long) (n - L) * Float.BYTES;
        long o1 = Math.min((long) L * Float.BYTES, last), o2 = Math.min(2L * L * Float.BYTES, last);
        int moves = (n + L - 1) / L;
        long sb = s * Float.BYTES, db = d * Float.BYTES, ss = sStride * Float.BYTES, ds = dStride * Float.BYTES;
        for (int r = 0; r < count; r++, sb += ss, db += ds) {
            FloatVector.fromMemorySegment(S, src, sb, NO).intoMemorySegment(dst, db, NO);
            if (moves > 1) {
                FloatVector.fromMemorySegment(S, src, sb + o1, NO).intoMemorySegment(dst, db + o1, NO);
                if (moves > 2) {
                    FloatVector.fromMemorySegment(S, src, sb + o2, NO).intoMemorySegment(dst, db + o2, NO);
                    if (moves > 3) {
                        FloatVector.fromMemorySegment(S, src, sb + last, NO).intoMemorySegment(dst, db + last, NO);
                    }
                }
            }
        }
    }

    /**
     * {@code dst[d, d + n) = src[s, s + n)}. Runs of one to four vectors are straight-line code (the last move
     * overlapping the previous one instead of a scalar tail): loop set-up would cost more than the copy.
     */
    static void copyRun(MemorySegment src, long s, MemorySegment dst, long d, int n, boolean vec) {
        if (vec && n >= L) {
            long sb = s * Float.BYTES, db = d * Float.BYTES, last = (long) (n - L) * Float.BYTES;
            if (n <= 4 * L) {
                FloatVector.fromMemorySegment(S, src, sb, NO).intoMemorySegment(dst, db, NO);
                if (n > L) {
                    long o = Math.min(L * Float.BYTES, last);
                    FloatVector.fromMemorySegment(S, src, sb + o, NO).intoMemorySegment(dst, db + o, NO);
                }
                if (n > 2 * L) {
                    long o = Math.min(2L * L * Float.BYTES, last);
                    FloatVector.fromMemorySegment(S, src, sb + o, NO).intoMemorySegment(dst, db + o, NO);
                }
                if (n > 3 * L) {
                    FloatVector.fromMemorySegment(S, src, sb + last, NO).intoMemorySegment(dst, db + last, NO);
                }
                return;
            }
            for (long o = 0; o < last; o += (long) L * Float.BYTES) {
                FloatVector.fromMemorySegment(S, src, sb + o, NO).intoMemorySegment(dst, db + o, NO);
            }
            FloatVector.fromMemorySegment(S, src, sb + last, NO).intoMemorySegment(dst, db + last, NO);
            return;
        }
        for (int i = 0; i < n; i++) {
            dst.setAtIndex(F, d + i, src.getAtIndex(F, s + i));
        }
    }

    /**
     * {@code dst[d, d + n) += src[s, s + n)}. Whole vectors, then the last partial one as a vector ending at
     * {@code n} whose already-added lanes are masked off by {@code tail} (from the caller, per run length).
     */
    static void addRun(MemorySegment src, long s, MemorySegment dst, long d, int n, boolean vec, VectorMask<Float> tail) {
        int i = 0;
        if (vec && n >= L) {
            long sb = s * Float.BYTES, db = d * Float.BYTES;
            for (; i + L <= n; i += L) {
                long o = (long) i * Float.BYTES;
                FloatVector.fromMemorySegment(S, dst, db + o, NO).add(FloatVector.fromMemorySegment(S, src, sb + o, NO))
                        .intoMemorySegment(dst, db + o, NO);
            }
            if (i < n) {
                long o = (long) (n - L) * Float.BYTES;
                FloatVector.fromMemorySegment(S, dst, db + o, NO)
                        .add(FloatVector.fromMemorySegment(S, src, sb + o, NO), tail)
                        .intoMemorySegment(dst, db + o, NO);
            }
            return;
        }
        for (; i < n; i++) {
            dst.setAtIndex(F, d + i, dst.getAtIndex(F, d + i) + src.getAtIndex(F, s + i));
        }
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
