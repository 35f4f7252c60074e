package dev.isthmus.optim;

import dev.isthmus.nn.Parameters;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The Adam rule, once: the moment buffers ({@code exp_avg}, {@code exp_avg_sq}), bias correction and the
 * fused update loop ({@link #update}). {@link Adam} and {@link AdamW} are thin variants that differ only in
 * how weight decay enters (added to the gradient, or decoupled) and its default.
 */
public abstract sealed class AdamBase extends Optimizer permits Adam, AdamW {
    static final String EXP_AVG = "exp_avg";
    static final String EXP_AVG_SQ = "exp_avg_sq";
    private static final VectorSpecies<Float> S = FlatKernels.S;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;
    private final boolean decayOnlyWhereMarked;

    private float b1;
    private float omb1;
    private float b2;
    private float omb2;
    private float bc2Sqrt;
    private float epsF;
    private float negStep;
    private float wd;
    private float decayMul;

    AdamBase(String kind, Builder<?> b, boolean decoupled) {
        if (!(b.eps > 0) || Double.isInfinite(b.eps)) {
            throw new IllegalArgumentException(kind + ": eps must be finite and > 0, got " + b.eps);
        }
        checkUnit(kind, "beta1", b.beta1);
        checkUnit(kind, "beta2", b.beta2);
        checkWeightDecay(kind, b.weightDecay);
        super(kind, b.params, b.lr, b.decayOnlyWhereMarked, List.of(EXP_AVG, EXP_AVG_SQ));
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
        this.weightDecay = b.weightDecay;
        this.decoupled = decoupled;
        this.decayOnlyWhereMarked = b.decayOnlyWhereMarked;
    }

    public final double beta1() {
        return beta1;
    }

    public final double beta2() {
        return beta2;
    }

    public final double eps() {
        return eps;
    }

    public final double weightDecay() {
        return weightDecay;
    }

    @Override
    final void prepare(long step) {
        double lr = lr();
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        b1 = (float) beta1;
        omb1 = (float) (1 - beta1);
        b2 = (float) beta2;
        omb2 = (float) (1 - beta2);
        bc2Sqrt = (float) Math.sqrt(bc2);
        epsF = (float) eps;
        negStep = (float) -(lr / bc1);
        wd = (float) weightDecay;
        decayMul = (float) (1 - lr * weightDecay);
    }

    /**
     * The rule, element by element over {@code [from, to)}, in PyTorch 1.13's operation order (vector lanes
     * and the scalar tail compute the same float operations, so both give the same bits):
     * {@code g += wd * p} (Adam) or {@code p *= 1 - lr * wd} (AdamW); {@code m = b1 m + (1 - b1) g};
     * {@code v = b2 v + ((1 - b2) g) g}; {@code p += (-lr / bc1 * m) / (sqrt(v) / sqrt(bc2) + eps)}.
     */
    @Override
    final double update(long from, long to, boolean decay, boolean vec) {
        boolean coupled = !decoupled && decay && weightDecay != 0;
        boolean dec = decoupled && decay;
        MemorySegment p = data();
        MemorySegment g = grad();
        MemorySegment m = buffer(EXP_AVG);
        MemorySegment v = buffer(EXP_AVG_SQ);
        long end = FlatKernels.vectorEnd(from, to, vec);
        long i = from;
        for (; i < end; i += S.length()) {
            long at = i * Float.BYTES;
            FloatVector pv = FlatKernels.load(p, i);
            FloatVector gv = FlatKernels.load(g, i);
            if (coupled) {
                gv = gv.add(pv.mul(wd));
            }
            if (dec) {
                pv = pv.mul(decayMul);
            }
            FloatVector mv = FlatKernels.load(m, i).mul(b1).add(gv.mul(omb1));
            FloatVector vv = FlatKernels.load(v, i).mul(b2).add(gv.mul(omb2).mul(gv));
            mv.intoMemorySegment(m, at, NO);
            vv.intoMemorySegment(v, at, NO);
            FloatVector denom = vv.sqrt().div(bc2Sqrt).add(epsF);
            pv.add(mv.mul(negStep).div(denom)).intoMemorySegment(p, at, NO);
        }
        for (; i < to; i++) {
            float pv = p.getAtIndex(F, i);
            float gv = g.getAtIndex(F, i);
            if (coupled) {
                gv = gv + pv * wd;
            }
            if (dec) {
                pv = pv * decayMul;
            }
            float mv = m.getAtIndex(F, i) * b1 + gv * omb1;
            float vv = v.getAtIndex(F, i) * b2 + gv * omb2 * gv;
            m.setAtIndex(F, i, mv);
            v.setAtIndex(F, i, vv);
            float denom = (float) Math.sqrt(vv) / bc2Sqrt + epsF;
            p.setAtIndex(F, i, pv + mv * negStep / denom);
        }
        return 0;
    }

    @Override
    final Map<String, Double> hyper() {
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("beta1", beta1);
        h.put("beta2", beta2);
        h.put("eps", eps);
        h.put("weight_decay", weightDecay);
        h.put("decay_only_where_marked", decayOnlyWhereMarked ? 1.0 : 0.0);
        return h;
    }

    /**
     * Settings of Adam and AdamW (one builder: the two differ only in their default weight decay and in
     * what {@code build()} makes).
     */
    public static final class Builder<O extends AdamBase> {
        final Parameters params;
        private final Function<Builder<O>, O> make;
        double lr = 1e-3;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weightDecay;
        boolean decayOnlyWhereMarked;

        Builder(Parameters params, double weightDecay, Function<Builder<O>, O> make) {
            this.params = params;
            this.weightDecay = weightDecay;
            this.make = make;
        }

        /** Learning rate (default 1e-3). */
        public Builder<O> lr(double lr) {
            this.lr = lr;
            return this;
        }

        /** Decay rates of the first and second moment averages, each in [0, 1) (default 0.9, 0.999). */
        public Builder<O> betas(double beta1, double beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /** Added to the denominator for stability (default 1e-8), > 0. */
        public Builder<O> eps(double eps) {
            this.eps = eps;
            return this;
        }

        public Builder<O> weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** If true, weight decay skips parameters whose {@code Parameter.decay()} is false (biases). */
        public Builder<O> decayOnlyWhereMarked(boolean on) {
            this.decayOnlyWhereMarked = on;
            return this;
        }

        public O build() {
            return make.apply(this);
        }
    }
}
