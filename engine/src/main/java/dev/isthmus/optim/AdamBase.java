package dev.isthmus.optim;

import dev.isthmus.nn.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link Adam} and {@link AdamW} share: the moment buffers ({@code exp_avg}, {@code exp_avg_sq}), bias
 * correction, and one fused update loop; they differ only in how weight decay enters.
 */
public abstract sealed class AdamBase extends Optimizer permits Adam, AdamW {
    static final String EXP_AVG = "exp_avg";
    static final String EXP_AVG_SQ = "exp_avg_sq";

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

    @Override
    final double update(long from, long to, boolean decay) {
        boolean coupled = !decoupled && decay && weightDecay != 0;
        boolean dec = decoupled && decay;
        FlatKernels.adam(data(), grad(), buffer(EXP_AVG), buffer(EXP_AVG_SQ), from, to, coupled, wd, dec, decayMul,
                b1, omb1, b2, omb2, bc2Sqrt, epsF, negStep, vectors());
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

    /** Settings shared by Adam and AdamW. */
    public abstract static sealed class Builder<B extends Builder<B>> permits Adam.Builder, AdamW.Builder {
        final Parameters params;
        double lr = 1e-3;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weightDecay;
        boolean decayOnlyWhereMarked;

        Builder(Parameters params, double weightDecay) {
            this.params = params;
            this.weightDecay = weightDecay;
        }

        abstract B self();

        /** Learning rate (default 1e-3). */
        public B lr(double lr) {
            this.lr = lr;
            return self();
        }

        /** Decay rates of the first and second moment averages, each in [0, 1) (default 0.9, 0.999). */
        public B betas(double beta1, double beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return self();
        }

        /** Added to the denominator for stability (default 1e-8), > 0. */
        public B eps(double eps) {
            this.eps = eps;
            return self();
        }

        public B weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return self();
        }

        /** If true, weight decay skips parameters whose {@code Parameter.decay()} is false (biases). */
        public B decayOnlyWhereMarked(boolean on) {
            this.decayOnlyWhereMarked = on;
            return self();
        }
    }
}
