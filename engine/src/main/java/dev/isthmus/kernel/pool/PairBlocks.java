package dev.isthmus.kernel.pool;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * 2x2 blocks of stride 2 without padding (LeNet-5's pooling, and upsampling by 2), the commonest window:
 * two vectors per input row de-interleaved into even and odd columns give {@code L} outputs of max, mean or
 * sum at once, and the transpose duplicates lanes back into blocks. Max keeps PyTorch's winner (first in
 * row-major order, NaN wins) and, when given an index buffer, writes its index.
 */
public final class PairBlocks {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Each of the first / last L/2 lanes twice. */
    private static final VectorShuffle<Float> DUP_LO = VectorShuffle.fromOp(S, i -> i / 2);
    private static final VectorShuffle<Float> DUP_HI = VectorShuffle.fromOp(S, i -> i / 2 + L / 2);

    private PairBlocks() {
    }

    static boolean pairWindows(int kh, int kw, int sh, int sw, int ph, int pw) {
        return kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0;
    }

    enum Op { MAX, MEAN, SUM }

    /**
     * 2x2 blocks of plane {@code [2 oh (+1), w]} at {@code xp} reduced into {@code [oh, ow]} at {@code yp}
     * ({@code ow >= L}, {@code 2 ow <= w}): two vectors per input row de-interleaved into even and odd columns.
     * MAX keeps PyTorch's winner (first in row-major order, NaN wins) and writes its index; MEAN and SUM add
     * in PyTorch's order, {@code ((a + b) + c) + d}.
     */
    static void reduce(MemorySegment x, long xp, int w, int oh, int ow, MemorySegment y, long yp,
                                   int[] argmax, int ap, Op op) {
        for (int oy = 0; oy < oh; oy++) {
            long r0 = xp + (long) (2 * oy) * w, r1 = r0 + w;
            for (int g = 0; g < ow; g += L) {
                int ox0 = Math.min(g, ow - L);
                pairGroup(x, r0 + 2L * ox0, r1 + 2L * ox0, 2 * oy * w + 2 * ox0, w, y, yp + (long) oy * ow + ox0,
                        argmax, ap + oy * ow + ox0, op);
            }
        }
    }

    /** 2x2 blocks of planes whose rows are shorter than a vector: {@link #pairReduceShort}, or scalar without vectors. */
    static void reduceAll(MemorySegment x, long xOff, int planes, int h, int w, int oh, int ow,
                                      MemorySegment y, long yOff, int[] argmax, int argOff, Op op, boolean vec) {
        if (vec) {
            pairReduceShort(x, xOff, planes, h, w, oh, ow, y, yOff, argmax, argOff, op);
        } else {
            pairReduceScalar(x, xOff, planes, h, w, oh, ow, y, yOff, argmax, argOff, op);
        }
    }

    /**
     * {@link #reduce} for rows of fewer than {@code L} outputs (LeNet-5's second pooling: 10 -> 5), over
     * {@code planes} planes: one vector per output row, whose lanes past the row spill into the next one and
     * are rewritten when that row is done. A row whose vector would write past the last output or read past
     * {@code x} takes the scalar path.
     */
    private static void pairReduceShort(MemorySegment x, long xOff, int planes, int h, int w, int oh, int ow,
                                        MemorySegment y, long yOff, int[] argmax, int argOff, Op op) {
        long total = (long) planes * oh * ow;
        long xLimit = x.byteSize() / Float.BYTES;
        for (int c = 0; c < planes; c++) {
            long plane = xOff + (long) c * h * w;
            for (int oy = 0; oy < oh; oy++) {
                long q = ((long) c * oh + oy) * ow;
                long r0 = plane + 2L * oy * w, r1 = r0 + w;
                int top = 2 * oy * w;
                if (q + L <= total && r1 + 2L * L <= xLimit) {
                    pairGroup(x, r0, r1, top, w, y, yOff + q, argmax, argOff + (int) q, op);
                } else {
                    for (int ox = 0; ox < ow; ox++) {
                        pairScalar(x, r0 + 2 * ox, w, top + 2 * ox, y, yOff + q + ox, argmax, argOff + (int) q + ox, op);
                    }
                }
            }
        }
    }

    /**
     * {@code L} outputs of a 2x2 block reduction: input rows at element offsets {@code r0} and {@code r1}
     * (two vectors each, de-interleaved into even and odd columns), the top-left input's index in its plane
     * {@code top}, the outputs at element {@code at} and their indices at {@code argmax[ai]}.
     */
    private static void pairGroup(MemorySegment x, long r0, long r1, int top, int w, MemorySegment y, long at,
                                  int[] argmax, int ai, Op op) {
        long s0 = r0 * Float.BYTES, s1 = r1 * Float.BYTES;
        FloatVector p0 = FloatVector.fromMemorySegment(S, x, s0, NO);
        FloatVector q0 = FloatVector.fromMemorySegment(S, x, s0 + (long) L * Float.BYTES, NO);
        FloatVector p1 = FloatVector.fromMemorySegment(S, x, s1, NO);
        FloatVector q1 = FloatVector.fromMemorySegment(S, x, s1 + (long) L * Float.BYTES, NO);
        FloatVector a = p0.rearrange(PoolPhases.EVEN, q0), b = p0.rearrange(PoolPhases.ODD, q0);
        FloatVector c = p1.rearrange(PoolPhases.EVEN, q1), d = p1.rearrange(PoolPhases.ODD, q1);
        long yAt = at * Float.BYTES;
        if (op == Op.MAX) {
            // the winner of each row, then of the two rows: the same as scanning the window in row-major order
            FloatVector topIdx = FloatVector.zero(S).addIndex(2).add(top), bottom = topIdx.add(w);
            VectorMask<Float> tb = b.compare(VectorOperators.GT, a).or(b.test(VectorOperators.IS_NAN));
            FloatVector m0 = a.blend(b, tb);
            FloatVector i0 = topIdx.blend(topIdx.add(1f), tb);
            VectorMask<Float> td = d.compare(VectorOperators.GT, c).or(d.test(VectorOperators.IS_NAN));
            FloatVector m1 = c.blend(d, td);
            FloatVector i1 = bottom.blend(bottom.add(1f), td);
            VectorMask<Float> t = m1.compare(VectorOperators.GT, m0).or(m1.test(VectorOperators.IS_NAN));
            m0.blend(m1, t).intoMemorySegment(y, yAt, NO);
            if (argmax != null) {
                ((IntVector) i0.blend(i1, t).convert(VectorOperators.F2I, 0)).intoArray(argmax, ai);
            }
        } else {
            FloatVector sum = a.add(b).add(c).add(d);
            (op == Op.MEAN ? sum.div(4f) : sum).intoMemorySegment(y, yAt, NO);
        }
    }

    /** One output of a 2x2 block reduction, top-left input at element {@code r0} (index {@code top} in its plane). */
    private static void pairScalar(MemorySegment x, long r0, int w, int top, MemorySegment y, long yi,
                                   int[] argmax, int ai, Op op) {
        long r1 = r0 + w;
        float a = x.getAtIndex(F, r0), b = x.getAtIndex(F, r0 + 1);
        float c = x.getAtIndex(F, r1), d = x.getAtIndex(F, r1 + 1);
        if (op == Op.MAX) {
            boolean tb = b > a || b != b, td = d > c || d != d;
            float m0 = tb ? b : a, m1 = td ? d : c;
            boolean t = m1 > m0 || m1 != m1;
            y.setAtIndex(F, yi, t ? m1 : m0);
            if (argmax != null) {
                argmax[ai] = t ? top + w + (td ? 1 : 0) : top + (tb ? 1 : 0);
            }
        } else {
            float sum = a + b + c + d;
            y.setAtIndex(F, yi, op == Op.MEAN ? sum / 4f : sum);
        }
    }

    /**
     * {@link #reduce} one output at a time over {@code planes} planes {@code [h, w]} (short rows, or no
     * vectors), with the same comparisons and sums. One flat loop over all outputs of all planes: loops over
     * rows of a few outputs would cost more in loop set-up than in work.
     */
    private static void pairReduceScalar(MemorySegment x, long xOff, int planes, int h, int w, int oh, int ow,
                                         MemorySegment y, long yOff, int[] argmax, int argOff, Op op) {
        int total = Math.toIntExact((long) planes * oh * ow);
        int ox = 0, oy = 0;
        long plane = xOff;
        for (int i = 0; i < total; i++) {
            int top = 2 * oy * w + 2 * ox;
            pairScalar(x, plane + top, w, top, y, yOff + i, argmax, argOff + i, op);
            if (++ox == ow) {
                ox = 0;
                if (++oy == oh) {
                    oy = 0;
                    plane += (long) h * w;
                }
            }
        }
    }

    /**
     * The transpose of a 2x2 block reduction: each value of {@code [oh, ow]} at {@code yp}, times {@code scale},
     * written to its 2x2 block of plane {@code [h, w]} at {@code xp} ({@code ow >= L}); a last odd row or
     * column (covered by no block) is set to zero.
     */
    static void expand(MemorySegment y, long yp, int oh, int ow, MemorySegment x, long xp, int w, float scale) {
        for (int oy = 0; oy < oh; oy++) {
            long r0 = xp + (long) (2 * oy) * w, r1 = r0 + w;
            for (int g = 0; g < ow; g += L) {
                int ox0 = Math.min(g, ow - L);
                FloatVector v = FloatVector.fromMemorySegment(S, y, (yp + (long) oy * ow + ox0) * Float.BYTES, NO);
                if (scale != 1f) {
                    v = v.mul(scale);
                }
                FloatVector lo = v.rearrange(DUP_LO), hi = v.rearrange(DUP_HI);
                long o = 2L * ox0 * Float.BYTES, o2 = o + (long) L * Float.BYTES;
                lo.intoMemorySegment(x, r0 * Float.BYTES + o, NO);
                hi.intoMemorySegment(x, r0 * Float.BYTES + o2, NO);
                lo.intoMemorySegment(x, r1 * Float.BYTES + o, NO);
                hi.intoMemorySegment(x, r1 * Float.BYTES + o2, NO);
            }
            if (w > 2 * ow) {
                x.setAtIndex(F, r0 + w - 1, 0f);
                x.setAtIndex(F, r1 + w - 1, 0f);
            }
        }
    }
}
