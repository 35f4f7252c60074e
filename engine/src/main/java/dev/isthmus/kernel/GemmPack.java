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
 * steps of {@code NR} floats (columns past the edge are zeros).
 */
final class GemmPack {

    private static final VectorSpecies<Float> S = GemmKernel.S;
    private static final ByteOrder LE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private GemmPack() {
    }

    /**
     * Packs rows {@code [i0, i0 + mc)} and columns {@code [p0, p0 + kc)} of op(A) into {@code dst}.
     * A is stored {@code m x k} with row pitch {@code lda}, or {@code k x m} if {@code transA}.
     */
    static void packA(boolean transA, MemorySegment a, long aOff, int lda, int i0, int mc, int p0, int kc,
                      MemorySegment dst) {
        long d = 0;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            if (!transA) {
                long r0 = aOff + (long) (i0 + ir) * lda + p0;
                if (mr == MR) {
                    long r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda;
                    for (int p = 0; p < kc; p++, d += MR * Float.BYTES) {
                        dst.set(F, d, a.getAtIndex(F, r0 + p));
                        dst.set(F, d + 4, a.getAtIndex(F, r1 + p));
                        dst.set(F, d + 8, a.getAtIndex(F, r2 + p));
                        dst.set(F, d + 12, a.getAtIndex(F, r3 + p));
                        dst.set(F, d + 16, a.getAtIndex(F, r4 + p));
                        dst.set(F, d + 20, a.getAtIndex(F, r5 + p));
                    }
                } else {
                    for (int p = 0; p < kc; p++, d += MR * Float.BYTES) {
                        for (int r = 0; r < MR; r++) {
                            dst.set(F, d + r * 4L, r < mr ? a.getAtIndex(F, r0 + (long) r * lda + p) : 0f);
                        }
                    }
                }
            } else {
                long col = aOff + (long) p0 * lda + i0 + ir;
                for (int p = 0; p < kc; p++, d += MR * Float.BYTES, col += lda) {
                    for (int r = 0; r < MR; r++) {
                        dst.set(F, d + r * 4L, r < mr ? a.getAtIndex(F, col + r) : 0f);
                    }
                }
            }
        }
    }

    /**
     * Packs rows {@code [p0, p0 + kc)} and columns {@code [j0, j0 + nc)} of op(B) into {@code dst}.
     * B is stored {@code k x n} with row pitch {@code ldb}, or {@code n x k} if {@code transB}.
     */
    static void packB(boolean transB, MemorySegment b, long bOff, int ldb, int p0, int kc, int j0, int nc,
                      MemorySegment dst) {
        long d = 0;
        long panelBytes = (long) kc * NR * Float.BYTES;
        for (int jr = 0; jr < nc; jr += NR, d += panelBytes) {
            int nr = Math.min(NR, nc - jr);
            if (!transB) {
                long src = (bOff + (long) p0 * ldb + j0 + jr) * Float.BYTES;
                long pitch = (long) ldb * Float.BYTES;
                long o = d;
                if (nr == NR) {
                    for (int p = 0; p < kc; p++, src += pitch) {
                        for (int v = 0; v < NR; v += S.length(), o += S.vectorByteSize()) {
                            FloatVector.fromMemorySegment(S, b, src + (long) v * Float.BYTES, LE).intoMemorySegment(dst, o, LE);
                        }
                    }
                } else {
                    for (int p = 0; p < kc; p++, src += pitch) {
                        for (int j = 0; j < NR; j++, o += Float.BYTES) {
                            dst.set(F, o, j < nr ? b.get(F, src + (long) j * Float.BYTES) : 0f);
                        }
                    }
                }
            } else {
                long row = bOff + (long) (j0 + jr) * ldb + p0;
                for (int j = 0; j < NR; j++, row += ldb) {
                    long o = d + (long) j * Float.BYTES;
                    if (j < nr) {
                        for (int p = 0; p < kc; p++, o += NR * Float.BYTES) {
                            dst.set(F, o, b.getAtIndex(F, row + p));
                        }
                    } else {
                        for (int p = 0; p < kc; p++, o += NR * Float.BYTES) {
                            dst.set(F, o, 0f);
                        }
                    }
                }
            }
        }
    }
}
