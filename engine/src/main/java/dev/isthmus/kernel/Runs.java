package dev.isthmus.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Copies, sums and fills of short runs of floats, the moves that im2col, the stride-phase split and the
 * pooling kernels are made of. Runs are short (a row of 28 values in LeNet-5), so a run of up to four
 * vectors is straight-line code whose last move overlaps the one before instead of a scalar tail. Every
 * method has a scalar path ({@code vec} false) with the same results.
 */
public final class Runs {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Runs() {
    }

    /**
     * {@code count} runs of {@link #copyRun}: run {@code r} copies {@code n} floats from {@code s + r * sStride}
     * to {@code d + r * dStride}. The offsets of the unrolled moves are worked out once for all runs.
     */
    public static void copyRuns(MemorySegment src, long s, long sStride, MemorySegment dst, long d, long dStride, int count,
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
    public static void copyRun(MemorySegment src, long s, MemorySegment dst, long d, int n, boolean vec) {
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
    public static void addRun(MemorySegment src, long s, MemorySegment dst, long d, int n, boolean vec, VectorMask<Float> tail) {
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

    public static void zero(MemorySegment m, long at, long n, boolean vec) {
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

    /** {@code m[at, at + n) = value}. */
    public static void fill(MemorySegment m, long at, long n, float value, boolean vec) {
        long i = 0;
        if (vec) {
            FloatVector v = FloatVector.broadcast(S, value);
            for (; i + L <= n; i += L) {
                v.intoMemorySegment(m, (at + i) * Float.BYTES, NO);
            }
        }
        for (; i < n; i++) {
            m.setAtIndex(F, at + i, value);
        }
    }
}
