package dev.isthmus.optim;

import dev.isthmus.nn.Parameters;
import dev.isthmus.kernel.Engine;

import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * An L1 or L2 penalty on the parameters: {@link #apply} adds its gradient to the parameters' gradients and
 * returns its value, to add to the data loss, in one pass over the flat buffers.
 *
 * <p>Conventions (pick the one your formula uses):
 * <ul>
 *   <li>{@link #l1(double) l1(lambda)}: {@code lambda * sum |w|}, gradient {@code lambda * sign(w)} (0 at 0);</li>
 *   <li>{@link #l2(double) l2(lambda)}: {@code lambda * sum w^2}, gradient {@code 2 lambda w} (the course's
 *       notation);</li>
 *   <li>{@link #l2Half(double) l2Half(lambda)}: {@code lambda / 2 * sum w^2}, gradient {@code lambda w},
 *       which is what SGD's {@code weight_decay = lambda} adds to the gradient.</li>
 * </ul>
 * By default the penalty covers only parameters whose {@code Parameter.decay()} is true (weights, not
 * biases), as the classic regularised losses do; {@link #onAllParameters()} covers all of them.
 *
 * <p>With gradient accumulation over {@code k} mini-batches, call {@link #apply(Parameters, double)} with
 * the accumulator's scale {@code 1/k} on each mini-batch, so the penalty's gradient enters once per step.
 * Nothing is allocated per call once the store has been seen. Not thread-safe.
 */
public final class Penalty {
    private enum Kind { L1, L2, L2_HALF }

    private final Kind kind;
    private final double lambda;
    private final boolean all;
    private final FlatLoop loop = new FlatLoop();
    private final FlatLoop.Body gradBody = this::gradBlock;
    private final FlatLoop.Body valueBody = this::valueBlock;
    private Parameters store;
    private BlockPlan plan;
    private MemorySegment p;
    private MemorySegment g;
    private float coef;
    private boolean vec;

    private Penalty(Kind kind, double lambda, boolean all) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException(kind + " penalty: lambda must be finite and >= 0, got " + lambda);
        }
        this.kind = kind;
        this.lambda = lambda;
        this.all = all;
    }

    /** {@code lambda * sum |w|}. */
    public static Penalty l1(double lambda) {
        return new Penalty(Kind.L1, lambda, false);
    }

    /** {@code lambda * sum w^2} (gradient {@code 2 lambda w}). */
    public static Penalty l2(double lambda) {
        return new Penalty(Kind.L2, lambda, false);
    }

    /** {@code lambda / 2 * sum w^2} (gradient {@code lambda w}, as SGD's weight decay). */
    public static Penalty l2Half(double lambda) {
        return new Penalty(Kind.L2_HALF, lambda, false);
    }

    /** The same penalty on every parameter, biases included. */
    public Penalty onAllParameters() {
        return new Penalty(kind, lambda, true);
    }

    public double lambda() {
        return lambda;
    }

    /** Adds the penalty's gradient to {@code params}' gradients; returns the penalty value. */
    public double apply(Parameters params) {
        return apply(params, 1.0);
    }

    /**
     * Adds {@code gradScale} times the penalty's gradient (the accumulator's {@code 1/k}); returns the
     * unscaled penalty value.
     */
    public double apply(Parameters params, double gradScale) {
        bind(params);
        double c = kind == Kind.L1 ? lambda : kind == Kind.L2 ? 2 * lambda : lambda;
        coef = (float) (c * gradScale);
        return finish(loop.run(plan, gradBody));
    }

    /** The penalty value alone (gradients untouched). */
    public double value(Parameters params) {
        bind(params);
        return finish(loop.run(plan, valueBody));
    }

    private void bind(Parameters params) {
        if (params != store) {
            plan = BlockPlan.of(params, !all);
            store = params;
        }
        p = params.dataSegment();
        g = params.gradSegment();
        vec = Engine.get().useVectors();
    }

    private double finish(double sum) {
        p = null;
        g = null;
        return switch (kind) {
            case L1, L2 -> lambda * sum;
            case L2_HALF -> lambda / 2 * sum;
        };
    }

    private double gradBlock(long from, long to, boolean decay) {
        if (!decay) {
            return 0;
        }
        return kind == Kind.L1 ? FlatKernels.l1(p, g, from, to, coef, vec) : FlatKernels.l2(p, g, from, to, coef, vec);
    }

    private double valueBlock(long from, long to, boolean decay) {
        if (!decay) {
            return 0;
        }
        return kind == Kind.L1 ? FlatKernels.sumAbs(p, from, to, vec) : FlatKernels.sumSquares(p, from, to, vec);
    }

    @Override
    public String toString() {
        String f = switch (kind) {
            case L1 -> "lambda * sum|w|";
            case L2 -> "lambda * sum w^2";
            case L2_HALF -> "lambda/2 * sum w^2";
        };
        return String.format(Locale.ROOT, "Penalty(%s, lambda=%s, %s)", f, lambda, all ? "all parameters" : "decay parameters");
    }
}
