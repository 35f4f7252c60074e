package dev.isthmus.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.isthmus.kernel.GemmKernel.MR;
import static dev.isthmus.kernel.GemmKernel.NR;

/**
 * Packing for {@link VectorGemm}: copies a block of op(A) or op(B) into the contiguous, zero-padded
 * micro-panel layout {@link GemmKernel} reads, so that every transpose combination, leading dimension
 * and offset runs the same kernel on unit-stride, cache-resident data.
 *
 * <p>Packed A: for each group of {@link GemmKernel#MR} rows, {@code kc} steps of {@code MR} floats
 * (rows past the edge are zeros). Packed B: for each group of {@link GemmKernel#NR} columns, {@code kc}
 * steps of {@code NR} floats (columns past the edge are zeros). Each case is its own small method, so
 * that one the JIT has not seen yet (an edge panel, a transpose) cannot deoptimise the others.
 */
final class GemmPack {

    private static final VectorSpecies<Float> S = GemmKernel.S;
    private static final ByteOrder LE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final long VB = S.vectorByteSize();

    private GemmPack() {
    }

    /**
     * Packs rows {@code [i0, i0 + mc)} and columns {@code [p0, p0 + kc)} of op(A) into {@code dst}.
     * A is stored {@code m x k} with row pitch {@code lda}, or {@code k x m} if {@code transA}.
     */
    static void packA(boolean transA, MemorySegment a, long aOff, int lda, int i0, int mc, int p0, int kc,
                      MemorySegment dst) {
        long panelBytes = (long) MR * kc * Float.BYTES;
        long d = 0;
        for (int ir = 0; ir < mc; ir += MR, d += panelBytes) {
            int mr = Math.min(MR, mc - ir);
            if (transA) {
                aColumns(a, aOff + (long) p0 * lda + i0 + ir, lda, mr, kc, dst, d);
            } else if (mr == MR) {
                aRows(a, aOff + (long) (i0 + ir) * lda + p0, lda, kc, dst, d);
            } else {
                aRowsEdge(a, aOff + (long) (i0 + ir) * lda + p0, lda, mr, kc, dst, d);
            }
        }
    }

    /** {@code MR} rows of A stored row-major (element index {@code at}, pitch {@code lda}): a 6-way interleave. */
    private static void aRows(MemorySegment a, long at, int lda, int kc, MemorySegment dst, long d) {
        long r0 = at, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda;
        for (int p = 0; p < kc; p++, d += MR * Float.BYTES) {
            dst.set(F, d, a.getAtIndex(F, r0 + p));
            dst.set(F, d + 4, a.getAtIndex(F, r1 + p));
            dst.set(F, d + 8, a.getAtIndex(F, r2 + p));
            dst.set(F, d + 12, a.getAtIndex(F, r3 + p));
            dst.set(F, d + 16, a.getAtIndex(F, r4 + p));
            dst.set(F, d + 20, a.getAtIndex(F, r5 + p));
        }
    }

    /** Fewer than {@code MR} rows of A stored row-major; the missing rows are zeros. */
    private static void aRowsEdge(MemorySegment a, long at, int lda, int mr, int kc, MemorySegment dst, long d) {
        zero(dst, d, (long) MR * kc * Float.BYTES);
        for (int r = 0; r < mr; r++, at += lda) {
            long o = d + (long) r * Float.BYTES;
            for (int p = 0; p < kc; p++, o += MR * Float.BYTES) {
                dst.set(F, o, a.getAtIndex(F, at + p));
            }
        }
    }

    /** Up to {@code MR} rows of op(A) = A^T, i.e. columns of the stored A: each step's values are contiguous. */
    private static void aColumns(MemorySegment a, long at, int lda, int mr, int kc, MemorySegment dst, long d) {
        if (mr < MR) {
            zero(dst, d, (long) MR * kc * Float.BYTES);
        }
        for (int p = 0; p < kc; p++, d += MR * Float.BYTES, at += lda) {
            for (int r = 0; r < mr; r++) {
                dst.set(F, d + (long) r * Float.BYTES, a.getAtIndex(F, at + r));
            }
        }
    }

    /**
     * Packs rows {@code [p0, p0 + kc)} and columns {@code [j0, j0 + nc)} of op(B) into {@code dst}.
     * B is stored {@code k x n} with row pitch {@code ldb}, or {@code n x k} if {@code transB}.
     */
    static void packB(boolean transB, MemorySegment b, long bOff, int ldb, int p0, int kc, int j0, int nc,
                      MemorySegment dst) {
        long panelBytes = (long) kc * NR * Float.BYTES;
        long d = 0;
        for (int jr = 0; jr < nc; jr += NR, d += panelBytes) {
            int nr = Math.min(NR, nc - jr);
            if (transB) {
                bColumns(b, bOff + (long) (j0 + jr) * ldb + p0, ldb, nr, kc, dst, d);
            } else if (nr == NR) {
                bRows(b, (bOff + (long) p0 * ldb + j0 + jr) * Float.BYTES, (long) ldb * Float.BYTES, kc, dst, d);
            } else {
                bRowsEdge(b, (bOff + (long) p0 * ldb + j0 + jr) * Float.BYTES, (long) ldb * Float.BYTES, nr, kc, dst, d);
            }
        }
    }

    /** {@code NR} columns of B stored row-major (byte offset {@code at}, pitch {@code pitch}): whole vectors. */
    private static void bRows(MemorySegment b, long at, long pitch, int kc, MemorySegment dst, long d) {
        for (int p = 0; p < kc; p++, at += pitch) {
            for (int v = 0; v < NR; v += S.length(), d += VB) {
                FloatVector.fromMemorySegment(S, b, at + (long) v * Float.BYTES, LE).intoMemorySegment(dst, d, LE);
            }
        }
    }

    /** Fewer than {@code NR} columns of B stored row-major: masked loads, which read zeros past the edge. */
    private static void bRowsEdge(MemorySegment b, long at, long pitch, int nr, int kc, MemorySegment dst, long d) {
        for (int v = 0; v < NR; v += S.length()) {
            var mask = S.indexInRange(v, nr);
            long src = at + (long) v * Float.BYTES, o = d + (long) v * Float.BYTES;
            for (int p = 0; p < kc; p++, src += pitch, o += NR * Float.BYTES) {
                FloatVector.fromMemorySegment(S, b, src, LE, mask).intoMemorySegment(dst, o, LE);
            }
        }
    }

    /** Up to {@code NR} columns of op(B) = B^T, i.e. rows of the stored B, each read contiguously. */
    private static void bColumns(MemorySegment b, long at, int ldb, int nr, int kc, MemorySegment dst, long d) {
        if (nr < NR) {
            zero(dst, d, (long) NR * kc * Float.BYTES);
        }
        for (int j = 0; j < nr; j++, at += ldb) {
            long o = d + (long) j * Float.BYTES;
            for (int p = 0; p < kc; p++, o += NR * Float.BYTES) {
                dst.set(F, o, b.getAtIndex(F, at + p));
            }
        }
    }

    /** Zeros {@code bytes} bytes (a multiple of 4) of {@code dst} from byte offset {@code d}. */
    private static void zero(MemorySegment dst, long d, long bytes) {
        FloatVector z = FloatVector.zero(S);
        long end = d + bytes;
        for (; d + VB <= end; d += VB) {
            z.intoMemorySegment(dst, d, LE);
        }
        for (; d < end; d += Float.BYTES) {
            dst.set(F, d, 0f);
        }
    }
}
