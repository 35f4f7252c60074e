package dev.isthmus.optim;

import dev.isthmus.kernel.BlockedSum;
import jdk.incubator.vector.FloatVector;
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
 * (norms, penalty values) are {@link BlockedSum}'s and differ only in summation order.
 *
 * <p>The operation order follows PyTorch 1.13's single-tensor optimizers (e.g. Adam's
 * {@code denom = sqrt(v) / sqrt(bc2) + eps}, {@code p += (-step_size * m) / denom}), with the scalar
 * coefficients computed in double and rounded to float once, as ATen does with Python scalars.
 */
final class FlatKernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

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

    /** Sum of {@code x^2}. */
    static double sumSquares(MemorySegment x, long from, long to, boolean vec) {
        return BlockedSum.sum(x, null, 0f, from, to, vec, (acc, xs, unused, c, i) -> {
            FloatVector xv = load(xs, i);
            return acc.add(xv.mul(xv));
        }, (s, xs, unused, c, i) -> {
            float xv = xs.getAtIndex(F, i);
            return s + xv * xv;
        });
    }

    /**
     * L1 penalty: returns {@code sum |p|} and adds {@code lambda * sign(p)} to {@code g} (sign(0) = 0, the
     * subgradient PyTorch's autograd uses for {@code abs}).
     */
    static double l1(MemorySegment p, MemorySegment g, long from, long to, float lambda, boolean vec) {
        return BlockedSum.sum(p, g, lambda, from, to, vec, (acc, ps, gs, c, i) -> {
            FloatVector pv = load(ps, i);
            FloatVector step = FloatVector.zero(S).blend(c, pv.compare(VectorOperators.GT, 0f))
                    .blend(-c, pv.compare(VectorOperators.LT, 0f));
            load(gs, i).add(step).intoMemorySegment(gs, i * Float.BYTES, NO);
            return acc.add(pv.abs());
        }, (s, ps, gs, c, i) -> {
            float pv = ps.getAtIndex(F, i);
            gs.setAtIndex(F, i, gs.getAtIndex(F, i) + (pv > 0f ? c : pv < 0f ? -c : 0f));
            return s + Math.abs(pv);
        });
    }

    /** L2 penalty: returns {@code sum p^2} and adds {@code coef * p} to {@code g}. */
    static double l2(MemorySegment p, MemorySegment g, long from, long to, float coef, boolean vec) {
        return BlockedSum.sum(p, g, coef, from, to, vec, (acc, ps, gs, c, i) -> {
            FloatVector pv = load(ps, i);
            load(gs, i).add(pv.mul(c)).intoMemorySegment(gs, i * Float.BYTES, NO);
            return acc.add(pv.mul(pv));
        }, (s, ps, gs, c, i) -> {
            float pv = ps.getAtIndex(F, i);
            gs.setAtIndex(F, i, gs.getAtIndex(F, i) + pv * c);
            return s + pv * pv;
        });
    }

    /** Sum of {@code |p|} (the L1 penalty's value without its gradient). */
    static double sumAbs(MemorySegment p, long from, long to, boolean vec) {
        return BlockedSum.sum(p, null, 0f, from, to, vec, (acc, ps, unused, c, i) -> acc.add(load(ps, i).abs()),
                (s, ps, unused, c, i) -> s + Math.abs(ps.getAtIndex(F, i)));
    }
}
