package dev.isthmus.optim;

import dev.isthmus.kernel.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The shared loops of penalties and gradient clipping over a range {@code [from, to)} of a model's flat
 * buffers (element indices), and the load/stride helpers the optimizers' own update loops (beside their
 * rules in {@link SGD} and {@link AdamBase}) use. Each loop has a Vector API path and a scalar
 * path ({@code vec == false}, and the tail) that compute lane by lane the same operations in the same
 * order without fused multiply-adds, so element-wise results are identical bits on both paths; sums
 * (norms, penalty values) differ only in summation order.
 *
 * <p>The operation order follows PyTorch 1.13's single-tensor optimizers (e.g. Adam's
 * {@code denom = sqrt(v) / sqrt(bc2) + eps}, {@code p += (-step_size * m) / denom}), with the scalar
 * coefficients computed in double and rounded to float once, as ATen does with Python scalars.
 */
final class FlatKernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Elements summed in float lanes before the partial sum moves to double. */
    private static final int SUM_RUN = 1024;

    private FlatKernels() {
    }

    static FloatVector load(MemorySegment m, long i) {
        return FloatVector.fromMemorySegment(S, m, i * Float.BYTES, NO);
    }

    static long vectorEnd(long from, long to, boolean vec) {
        return vec ? from + (to - from) / S.length() * S.length() : from;
    }

    /** {@code x = x * s}. */
    static void scale(MemorySegment x, long from, long to, float s, boolean vec) {
        long end = vectorEnd(from, to, vec);
        long i = from;
        for (; i < end; i += S.length()) {
            load(x, i).mul(s).intoMemorySegment(x, i * Float.BYTES, NO);
        }
        for (; i < to; i++) {
            x.setAtIndex(F, i, x.getAtIndex(F, i) * s);
        }
    }

    /** Sum of {@code x^2}: float lanes over runs of {@value #SUM_RUN} elements, the runs summed in double. */
    static double sumSquares(MemorySegment x, long from, long to, boolean vec) {
        double total = 0;
        for (long run = from; run < to; run += SUM_RUN) {
            long stop = Math.min(to, run + SUM_RUN);
            long end = vectorEnd(run, stop, vec);
            long i = run;
            float s = 0;
            if (end > i) {
                FloatVector acc = FloatVector.zero(S);
                for (; i < end; i += S.length()) {
                    FloatVector xv = load(x, i);
                    acc = acc.add(xv.mul(xv));
                }
                s = Lanes.sum(acc);
            }
            for (; i < stop; i++) {
                float xv = x.getAtIndex(F, i);
                s += xv * xv;
            }
            total += s;
        }
        return total;
    }

    /**
     * L1 penalty: returns {@code sum |p|} and adds {@code lambda * sign(p)} to {@code g} (sign(0) = 0, the
     * subgradient PyTorch's autograd uses for {@code abs}).
     */
    static double l1(MemorySegment p, MemorySegment g, long from, long to, float lambda, boolean vec) {
        double total = 0;
        FloatVector plus = FloatVector.broadcast(S, lambda);
        FloatVector minus = FloatVector.broadcast(S, -lambda);
        FloatVector zero = FloatVector.zero(S);
        for (long run = from; run < to; run += SUM_RUN) {
            long stop = Math.min(to, run + SUM_RUN);
            long end = vectorEnd(run, stop, vec);
            long i = run;
            float s = 0;
            if (end > i) {
                FloatVector acc = FloatVector.zero(S);
                for (; i < end; i += S.length()) {
                    FloatVector pv = load(p, i);
                    acc = acc.add(pv.abs());
                    VectorMask<Float> pos = pv.compare(VectorOperators.GT, 0f);
                    VectorMask<Float> neg = pv.compare(VectorOperators.LT, 0f);
                    FloatVector step = zero.blend(plus, pos).blend(minus, neg);
                    load(g, i).add(step).intoMemorySegment(g, i * Float.BYTES, NO);
                }
                s = Lanes.sum(acc);
            }
            for (; i < stop; i++) {
                float pv = p.getAtIndex(F, i);
                s += Math.abs(pv);
                float step = pv > 0f ? lambda : pv < 0f ? -lambda : 0f;
                g.setAtIndex(F, i, g.getAtIndex(F, i) + step);
            }
            total += s;
        }
        return total;
    }

    /** L2 penalty: returns {@code sum p^2} and adds {@code coef * p} to {@code g}. */
    static double l2(MemorySegment p, MemorySegment g, long from, long to, float coef, boolean vec) {
        double total = 0;
        for (long run = from; run < to; run += SUM_RUN) {
            long stop = Math.min(to, run + SUM_RUN);
            long end = vectorEnd(run, stop, vec);
            long i = run;
            float s = 0;
            if (end > i) {
                FloatVector acc = FloatVector.zero(S);
                for (; i < end; i += S.length()) {
                    FloatVector pv = load(p, i);
                    acc = acc.add(pv.mul(pv));
                    load(g, i).add(pv.mul(coef)).intoMemorySegment(g, i * Float.BYTES, NO);
                }
                s = Lanes.sum(acc);
            }
            for (; i < stop; i++) {
                float pv = p.getAtIndex(F, i);
                s += pv * pv;
                g.setAtIndex(F, i, g.getAtIndex(F, i) + pv * coef);
            }
            total += s;
        }
        return total;
    }

    /** Sum of {@code |p|} (the L1 penalty's value without its gradient). */
    static double sumAbs(MemorySegment p, long from, long to, boolean vec) {
        double total = 0;
        for (long run = from; run < to; run += SUM_RUN) {
            long stop = Math.min(to, run + SUM_RUN);
            long end = vectorEnd(run, stop, vec);
            long i = run;
            float s = 0;
            if (end > i) {
                FloatVector acc = FloatVector.zero(S);
                for (; i < end; i += S.length()) {
                    acc = acc.add(load(p, i).abs());
                }
                s = Lanes.sum(acc);
            }
            for (; i < stop; i++) {
                s += Math.abs(p.getAtIndex(F, i));
            }
            total += s;
        }
        return total;
    }
}
