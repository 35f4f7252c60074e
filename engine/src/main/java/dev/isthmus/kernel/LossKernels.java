package dev.isthmus.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Vector API kernels of the element-wise losses: each {@code *Sum} returns the sum of the per-element
 * losses of {@code x} against {@code t} ({@code n} elements), each {@code *Grad} writes
 * {@code c * dloss/dx} into {@code g}, where {@code c} folds in the reduction and the backward scale.
 * Sums are {@link BlockedSum}'s.
 * Scalar paths run when {@link Engine#useVectors()} is false.
 */
public final class LossKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** PyTorch clamps BCE's logarithms at -100 so that a probability of exactly 0 or 1 gives a finite loss. */
    public static final float LOG_CLAMP = -100f;
    /** PyTorch's floor on {@code x (1 - x)} in the BCE gradient. */
    public static final float BCE_EPS = 1e-12f;

    private LossKernels() {
    }

    private static boolean vectors() {
        return Engine.get().useVectors();
    }

    private static long bound(long n) {
        return vectors() ? n - n % L : 0;
    }

    private static FloatVector load(MemorySegment m, long i) {
        return FloatVector.fromMemorySegment(S, m, i * Float.BYTES, NO);
    }

    private static float at(MemorySegment m, long i) {
        return m.getAtIndex(F, i);
    }

    /** Sum of {@code (x - t)^2}. */
    public static double squaredErrorSum(MemorySegment x, MemorySegment t, long n) {
        return BlockedSum.sum(x, t, 0f, 0, n, vectors(), (acc, xs, ts, c, i) -> {
            FloatVector d = load(xs, i).sub(load(ts, i));
            return d.fma(d, acc);
        }, (s, xs, ts, c, i) -> {
            float d = at(xs, i) - at(ts, i);
            return s + d * d;
        });
    }

    /** Sum of {@code |x - t|}. */
    public static double absErrorSum(MemorySegment x, MemorySegment t, long n) {
        return BlockedSum.sum(x, t, 0f, 0, n, vectors(), (acc, xs, ts, c, i) -> acc.add(load(xs, i).sub(load(ts, i)).abs()),
                (s, xs, ts, c, i) -> s + Math.abs(at(xs, i) - at(ts, i)));
    }

    /** Sum of {@code -(t log x + (1 - t) log(1 - x))}, each log clamped at {@link #LOG_CLAMP}. */
    public static double bceSum(MemorySegment x, MemorySegment t, long n) {
        return BlockedSum.sum(x, t, 0f, 0, n, vectors(), (acc, xs, ts, c, i) -> {
            FloatVector xv = load(xs, i), tv = load(ts, i);
            FloatVector lx = xv.lanewise(VectorOperators.LOG).max(LOG_CLAMP);
            FloatVector l1x = xv.neg().add(1f).lanewise(VectorOperators.LOG).max(LOG_CLAMP);
            return acc.sub(tv.mul(lx).add(tv.neg().add(1f).mul(l1x)));
        }, (s, xs, ts, c, i) -> {
            float xv = at(xs, i), tv = at(ts, i);
            return s - (tv * Math.max((float) Math.log(xv), LOG_CLAMP)
                    + (1f - tv) * Math.max((float) Math.log(1f - xv), LOG_CLAMP));
        });
    }

    /** Sum of {@code max(x, 0) - x t + log(1 + exp(-|x|))}: BCE of {@code sigmoid(x)} without overflow. */
    public static double bceWithLogitsSum(MemorySegment x, MemorySegment t, long n) {
        return BlockedSum.sum(x, t, 0f, 0, n, vectors(), (acc, xs, ts, c, i) -> {
            FloatVector xv = load(xs, i);
            FloatVector soft = xv.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P);
            return acc.add(xv.max(0f).sub(xv.mul(load(ts, i))).add(soft));
        }, (s, xs, ts, c, i) -> {
            float xv = at(xs, i);
            return s + (Math.max(xv, 0f) - xv * at(ts, i) + (float) Math.log1p(Math.exp(-Math.abs(xv))));
        });
    }

    /** {@code g = c * 2 (x - t)}. */
    public static void squaredErrorGrad(MemorySegment x, MemorySegment t, MemorySegment g, long n, float c) {
        long b = bound(n);
        float c2 = 2f * c;
        long i = 0;
        for (; i < b; i += L) {
            load(x, i).sub(load(t, i)).mul(c2).intoMemorySegment(g, i * Float.BYTES, NO);
        }
        for (; i < n; i++) {
            g.setAtIndex(F, i, c2 * (at(x, i) - at(t, i)));
        }
    }

    /** {@code g = c * sign(x - t)}, 0 where {@code x == t} (PyTorch's subgradient). */
    public static void absErrorGrad(MemorySegment x, MemorySegment t, MemorySegment g, long n, float c) {
        long b = bound(n);
        FloatVector pos = FloatVector.broadcast(S, c), neg = FloatVector.broadcast(S, -c), zero = FloatVector.zero(S);
        long i = 0;
        for (; i < b; i += L) {
            FloatVector d = load(x, i).sub(load(t, i));
            zero.blend(pos, d.compare(VectorOperators.GT, 0f)).blend(neg, d.compare(VectorOperators.LT, 0f))
                    .intoMemorySegment(g, i * Float.BYTES, NO);
        }
        for (; i < n; i++) {
            float d = at(x, i) - at(t, i);
            g.setAtIndex(F, i, d > 0 ? c : d < 0 ? -c : 0f);
        }
    }

    /** {@code g = c * (x - t) / max(x (1 - x), 1e-12)}, as PyTorch's binary_cross_entropy_backward. */
    public static void bceGrad(MemorySegment x, MemorySegment t, MemorySegment g, long n, float c) {
        long b = bound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        long i = 0;
        for (; i < b; i += L) {
            FloatVector xv = load(x, i);
            xv.sub(load(t, i)).mul(c).div(one.sub(xv).mul(xv).max(BCE_EPS)).intoMemorySegment(g, i * Float.BYTES, NO);
        }
        for (; i < n; i++) {
            float xv = at(x, i);
            g.setAtIndex(F, i, c * (xv - at(t, i)) / Math.max((1f - xv) * xv, BCE_EPS));
        }
    }

    /** {@code g = c * (sigmoid(x) - t)}. */
    public static void bceWithLogitsGrad(MemorySegment x, MemorySegment t, MemorySegment g, long n, float c) {
        long b = bound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        long i = 0;
        for (; i < b; i += L) {
            FloatVector s = one.div(load(x, i).neg().lanewise(VectorOperators.EXP).add(one));
            s.sub(load(t, i)).mul(c).intoMemorySegment(g, i * Float.BYTES, NO);
        }
        for (; i < n; i++) {
            float s = (float) (1.0 / (1.0 + Math.exp(-at(x, i))));
            g.setAtIndex(F, i, c * (s - at(t, i)));
        }
    }

    /**
     * Index of the first element of {@code x} outside [0, 1] (NaN included), or -1: BCE's input check, done
     * with vector compares and only the failing block scanned element by element.
     */
    public static long firstNonProbability(MemorySegment x, long n) {
        long b = bound(n);
        long i = 0;
        for (; i < b; i += L) {
            FloatVector v = load(x, i);
            VectorMask<Float> ok = v.compare(VectorOperators.GE, 0f).and(v.compare(VectorOperators.LE, 1f));
            if (!ok.allTrue()) {
                break;
            }
        }
        for (; i < n; i++) {
            float v = at(x, i);
            if (!(v >= 0f && v <= 1f)) {
                return i;
            }
        }
        return -1;
    }
}
