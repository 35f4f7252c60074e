package dev.isthmus.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Vector API kernels over channel planes of NCHW tensors (a plane is the {@code H * W} values of one
 * channel of one image): filling planes with a per-channel value (a convolution's bias, written before
 * a GEMM that then accumulates onto it), summing planes into a per-channel total (the bias gradient),
 * copying with a per-plane bias, and adding arrays. Each has a scalar path for JVMs where the Vector
 * API is not intrinsified.
 */
public final class PlaneOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private PlaneOps() {
    }

    /** {@code m[off + p * size + i] = values[p]} for {@code p < planes}, {@code i < size}. */
    public static void fillPlanes(MemorySegment m, long off, int planes, int size, MemorySegment values) {
        boolean vec = Engine.get().useVectors();
        for (int p = 0; p < planes; p++) {
            float v = values.getAtIndex(F, p);
            long base = off + (long) p * size;
            int i = 0;
            if (vec) {
                FloatVector b = FloatVector.broadcast(S, v);
                for (; i + L <= size; i += L) {
                    b.intoMemorySegment(m, (base + i) * Float.BYTES, NO);
                }
            }
            for (; i < size; i++) {
                m.setAtIndex(F, base + i, v);
            }
        }
    }

    /**
     * {@code dst[dOff + p * dLd + i] = src[sOff + p * sLd + i] + bias[p]} for {@code p < planes},
     * {@code i < size} ({@code bias} may be null): moves rows between layouts and adds the bias in the same pass.
     */
    public static void copyRowsAddBias(MemorySegment src, long sOff, long sLd, MemorySegment dst, long dOff, long dLd,
                                       int planes, int size, MemorySegment bias) {
        boolean vec = Engine.get().useVectors();
        for (int p = 0; p < planes; p++) {
            float v = bias == null ? 0f : bias.getAtIndex(F, p);
            long s = sOff + p * sLd, d = dOff + p * dLd;
            int i = 0;
            if (vec) {
                FloatVector b = FloatVector.broadcast(S, v);
                for (; i + L <= size; i += L) {
                    FloatVector.fromMemorySegment(S, src, (s + i) * Float.BYTES, NO).add(b)
                            .intoMemorySegment(dst, (d + i) * Float.BYTES, NO);
                }
            }
            for (; i < size; i++) {
                dst.setAtIndex(F, d + i, src.getAtIndex(F, s + i) + v);
            }
        }
    }

    /**
     * Like {@link #copyRowsAddBias} without a bias, also adding each copied row's sum to {@code sums[p]}
     * (when {@code sums} is not null): gathers a gradient into another layout and forms the bias gradient
     * in the same pass.
     */
    public static void copyRowsAddSums(MemorySegment src, long sOff, long sLd, MemorySegment dst, long dOff, long dLd,
                                       int planes, int size, MemorySegment sums, long sumsOff) {
        boolean vec = Engine.get().useVectors();
        for (int p = 0; p < planes; p++) {
            long s = sOff + p * sLd, d = dOff + p * dLd;
            int i = 0;
            float total = 0f;
            if (vec) {
                FloatVector acc = FloatVector.zero(S);
                for (; i + L <= size; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(S, src, (s + i) * Float.BYTES, NO);
                    v.intoMemorySegment(dst, (d + i) * Float.BYTES, NO);
                    acc = acc.add(v);
                }
                total = Lanes.sum(acc);
            }
            for (; i < size; i++) {
                float v = src.getAtIndex(F, s + i);
                dst.setAtIndex(F, d + i, v);
                total += v;
            }
            if (sums != null) {
                sums.setAtIndex(F, sumsOff + p, sums.getAtIndex(F, sumsOff + p) + total);
            }
        }
    }

    /** {@code sums[sumsOff + p] += sum over i < size of m[off + p * size + i]} for {@code p < planes}. */
    public static void addPlaneSums(MemorySegment m, long off, int planes, int size, MemorySegment sums, long sumsOff) {
        boolean vec = Engine.get().useVectors();
        for (int p = 0; p < planes; p++) {
            long base = off + (long) p * size;
            int i = 0;
            float total = 0f;
            if (vec) {
                FloatVector acc = FloatVector.zero(S);
                for (; i + L <= size; i += L) {
                    acc = acc.add(FloatVector.fromMemorySegment(S, m, (base + i) * Float.BYTES, NO));
                }
                total = Lanes.sum(acc);
            }
            for (; i < size; i++) {
                total += m.getAtIndex(F, base + i);
            }
            sums.setAtIndex(F, sumsOff + p, sums.getAtIndex(F, sumsOff + p) + total);
        }
    }

    /** {@code m[off + i] = 0} for {@code i < n}. */
    public static void zero(MemorySegment m, long off, long n) {
        Runs.zero(m, off, n, Engine.get().useVectors());
    }

    /** {@code dst[dOff + i] += src[sOff + i]} for {@code i < n}. */
    public static void add(MemorySegment src, long sOff, MemorySegment dst, long dOff, long n) {
        boolean vec = Engine.get().useVectors();
        long i = 0;
        if (vec) {
            for (; i + L <= n; i += L) {
                long d = (dOff + i) * Float.BYTES;
                FloatVector.fromMemorySegment(S, dst, d, NO)
                        .add(FloatVector.fromMemorySegment(S, src, (sOff + i) * Float.BYTES, NO))
                        .intoMemorySegment(dst, d, NO);
            }
        }
        for (; i < n; i++) {
            dst.setAtIndex(F, dOff + i, dst.getAtIndex(F, dOff + i) + src.getAtIndex(F, sOff + i));
        }
    }
}
