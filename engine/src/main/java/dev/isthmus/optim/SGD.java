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

/**
 * Stochastic gradient descent, exactly {@code torch.optim.SGD}: with {@code d = g + weight_decay * p}
 * (L2 weight decay added to the gradient), momentum {@code buf = momentum * buf + (1 - dampening) * d}
 * ({@code buf = d} on the first step), Nesterov {@code d = d + momentum * buf} (else {@code d = buf}),
 * and {@code p = p - lr * d}. Without momentum it is plain gradient descent, full-batch when every
 * step's gradient comes from the whole training set.
 *
 * <pre>{@code
 * SGD opt = SGD.builder(model.parameters(), 0.1).momentum(0.9).nesterov(true).weightDecay(5e-4).build();
 * }</pre>
 */
public final class SGD extends Optimizer {
    static final String MOMENTUM_BUFFER = "momentum_buffer";
    private static final VectorSpecies<Float> S = FlatKernels.S;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;
    private final boolean decayOnlyWhereMarked;

    private float wd;
    private float mom;
    private float damp1m;
    private float negLr;
    private boolean first;

    /** Plain SGD (no momentum, no weight decay). */
    public SGD(Parameters params, double lr) {
        this(builder(params, lr));
    }

    private SGD(Builder b) {
        checkUnit("SGD", "momentum", b.momentum);
        if (!(b.dampening >= 0 && b.dampening <= 1)) {
            throw new IllegalArgumentException("SGD: dampening must be in [0, 1], got " + b.dampening);
        }
        checkWeightDecay("SGD", b.weightDecay);
        if (b.nesterov && (b.momentum <= 0 || b.dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got momentum "
                    + b.momentum + ", dampening " + b.dampening);
        }
        super("SGD", b.params, b.lr, b.decayOnlyWhereMarked, b.momentum != 0 ? List.of(MOMENTUM_BUFFER) : List.of());
        this.momentum = b.momentum;
        this.dampening = b.dampening;
        this.weightDecay = b.weightDecay;
        this.nesterov = b.nesterov;
        this.decayOnlyWhereMarked = b.decayOnlyWhereMarked;
    }

    public static Builder builder(Parameters params, double lr) {
        return new Builder(params, lr);
    }

    public double momentum() {
        return momentum;
    }

    public double dampening() {
        return dampening;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public boolean nesterov() {
        return nesterov;
    }

    @Override
    void prepare(long step) {
        wd = (float) weightDecay;
        mom = (float) momentum;
        damp1m = (float) (1 - dampening);
        negLr = (float) -lr();
        first = step == 1;
    }

    /**
     * The rule, element by element over {@code [from, to)} (vector lanes and the scalar tail compute the same
     * float operations): {@code d = g (+ wd * p)}; with momentum {@code buf = d} on the first step, else
     * {@code buf = mom * buf + (1 - dampening) * d}, and {@code d = nesterov ? d + mom * buf : buf};
     * then {@code p = p - lr * d}.
     */
    @Override
    double update(long from, long to, boolean decay, boolean vec) {
        boolean dec = decay && weightDecay != 0;
        boolean withMomentum = momentum != 0;
        MemorySegment p = data();
        MemorySegment g = grad();
        MemorySegment buf = withMomentum ? buffer(MOMENTUM_BUFFER) : null;
        long end = FlatKernels.vectorEnd(from, to, vec);
        long i = from;
        for (; i < end; i += S.length()) {
            FloatVector pv = FlatKernels.load(p, i);
            FloatVector d = FlatKernels.load(g, i);
            if (dec) {
                d = d.add(pv.mul(wd));
            }
            if (withMomentum) {
                FloatVector b = first ? d : FlatKernels.load(buf, i).mul(mom).add(d.mul(damp1m));
                b.intoMemorySegment(buf, i * Float.BYTES, NO);
                d = nesterov ? d.add(b.mul(mom)) : b;
            }
            pv.add(d.mul(negLr)).intoMemorySegment(p, i * Float.BYTES, NO);
        }
        for (; i < to; i++) {
            float pv = p.getAtIndex(F, i);
            float d = g.getAtIndex(F, i);
            if (dec) {
                d = d + pv * wd;
            }
            if (withMomentum) {
                float b = first ? d : buf.getAtIndex(F, i) * mom + d * damp1m;
                buf.setAtIndex(F, i, b);
                d = nesterov ? d + b * mom : b;
            }
            p.setAtIndex(F, i, pv + d * negLr);
        }
        return 0;
    }

    @Override
    Map<String, Double> hyper() {
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("momentum", momentum);
        h.put("dampening", dampening);
        h.put("weight_decay", weightDecay);
        h.put("nesterov", nesterov ? 1.0 : 0.0);
        h.put("decay_only_where_marked", decayOnlyWhereMarked ? 1.0 : 0.0);
        return h;
    }

    /** SGD's settings; defaults as PyTorch (momentum 0, dampening 0, weight decay 0, no Nesterov). */
    public static final class Builder {
        private final Parameters params;
        private final double lr;
        private double momentum;
        private double dampening;
        private double weightDecay;
        private boolean nesterov;
        private boolean decayOnlyWhereMarked;

        private Builder(Parameters params, double lr) {
            this.params = params;
            this.lr = lr;
        }

        /** Momentum factor in [0, 1). */
        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        /** Dampening of the gradient added to the momentum buffer, in [0, 1]. */
        public Builder dampening(double dampening) {
            this.dampening = dampening;
            return this;
        }

        /** L2 weight decay added to the gradient ({@code g + wd * p}). */
        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder nesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        /** If true, weight decay skips parameters whose {@code Parameter.decay()} is false (biases). */
        public Builder decayOnlyWhereMarked(boolean on) {
            this.decayOnlyWhereMarked = on;
            return this;
        }

        public SGD build() {
            return new SGD(this);
        }
    }
}
