package dev.isthmus.optim;

/**
 * Gradient accumulation: one optimizer step per {@code k} mini-batches, so a batch of {@code k * n}
 * samples fits in the memory of a batch of {@code n}.
 *
 * <p>The contract with the trainer (and the losses): gradients start at zero (call
 * {@code opt.zeroGrad()} before the first batch); for every mini-batch, run forward, then
 * {@code loss.backward(acc.scale())} (the loss's gradient times {@code 1/k}) and the model's backward,
 * which add into the parameters' gradients; then {@link #afterBackward()}, which on every {@code k}-th
 * call clips the summed gradient (if {@link #clipGradNorm} was set), steps the optimizer and zeros the
 * gradients. For a loss averaged over the batch the summed gradient is then exactly the gradient of the
 * average over all {@code k * n} samples. At the end of an epoch, {@link #flush()} steps on a partial
 * group (rescaling its gradient by {@code k / pending}). Per-batch schedules step when
 * {@code afterBackward()} returns true; penalties use {@code Penalty.apply(params, acc.scale())}.
 *
 * <pre>{@code
 * opt.zeroGrad();
 * for (batch : batches) {
 *     float l = loss.forward(model.forward(x), y);
 *     model.backward(loss.backward(acc.scale()));
 *     if (acc.afterBackward()) { schedule.step(); }
 * }
 * acc.flush();
 * }</pre>
 * With {@code k = 1} it is the ordinary step-per-batch loop.
 */
public final class GradientAccumulator {
    private final Optimizer opt;
    private final int steps;
    private final float scale;
    private double maxNorm;
    private double lastNorm = Double.NaN;
    private int pending;

    /** Steps {@code opt} once every {@code steps} mini-batches (>= 1). */
    public GradientAccumulator(Optimizer opt, int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("GradientAccumulator: steps must be >= 1, got " + steps);
        }
        this.opt = opt;
        this.steps = steps;
        this.scale = 1f / steps;
    }

    /** Clips the accumulated gradient to this global L2 norm before each step ({@link GradClip}); 0 turns it off. */
    public GradientAccumulator clipGradNorm(double maxNorm) {
        if (maxNorm != 0 && (!(maxNorm > 0) || Double.isInfinite(maxNorm))) {
            throw new IllegalArgumentException("GradientAccumulator: maxNorm must be finite and > 0 (or 0 for off), got " + maxNorm);
        }
        this.maxNorm = maxNorm;
        return this;
    }

    /** The factor for {@code loss.backward(scale)}: {@code 1 / steps}. */
    public float scale() {
        return scale;
    }

    public int steps() {
        return steps;
    }

    /** Mini-batches whose gradients are accumulated but not yet stepped on. */
    public int pending() {
        return pending;
    }

    /** The gradient norm measured before the last step when clipping is on (NaN otherwise). */
    public double lastNorm() {
        return lastNorm;
    }

    /** Counts a mini-batch whose backward is done; steps (and zeros the gradients) on every {@code steps}-th. */
    public boolean afterBackward() {
        pending++;
        if (pending < steps) {
            return false;
        }
        stepNow();
        return true;
    }

    /** Steps on a partial group of mini-batches, if any (end of epoch); returns whether it stepped. */
    public boolean flush() {
        if (pending == 0) {
            return false;
        }
        if (pending < steps) {
            GradClip.scaleGrads(opt.parameters(), (float) steps / pending);
        }
        stepNow();
        return true;
    }

    private void stepNow() {
        if (maxNorm > 0) {
            lastNorm = GradClip.clipGradNorm(opt.parameters(), maxNorm);
        }
        opt.step();
        opt.zeroGrad();
        pending = 0;
    }
}
