package dev.isthmus.optim;

import dev.isthmus.nn.Parameters;
import dev.isthmus.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.IntToDoubleFunction;

/**
 * The learning-rate range test (Smith 2015; fastai's {@code lr_find}): train for up to {@code steps}
 * mini-batches while the rate grows exponentially from {@code minLr} to {@code maxLr}, record the loss
 * smoothed by an exponential moving average (bias-corrected), stop early once the smoothed loss exceeds
 * {@code divergeFactor} times the best so far (or is not finite), and suggest a rate: the one where the
 * smoothed loss falls fastest against {@code log(lr)} ({@link Result#steepestLr()}), or, the common
 * heuristic, a tenth of the rate of the lowest loss ({@link Result#minLossLrOver10()}).
 *
 * <p>The caller supplies one mini-batch of training as a closure, so the test does not depend on a trainer:
 * {@code trainBatch.applyAsDouble(i)} runs forward, loss and backward for batch {@code i} (the gradients
 * are zero when it is called) and returns the batch's loss; the test then steps the optimizer. By default
 * the model's parameters and the optimizer's state and rate are restored afterwards, so training can start
 * from where it was (layer buffers outside the parameter store, such as batch-norm running statistics, are
 * the caller's to save).
 */
public final class LrRangeTest {
    private final double minLr;
    private final double maxLr;
    private final int steps;
    private double beta = 0.95;
    private int skipStart = 10;
    private double divergeFactor = 4;
    private boolean restore = true;

    /** A test over {@code steps} (>= 2) batches from {@code minLr} to {@code maxLr} (0 < min < max). */
    public LrRangeTest(double minLr, double maxLr, int steps) {
        if (!(minLr > 0) || !(maxLr > minLr) || Double.isInfinite(maxLr)) {
            throw new IllegalArgumentException("LrRangeTest: need 0 < minLr < maxLr (finite), got " + minLr + " and " + maxLr);
        }
        if (steps < 2) {
            throw new IllegalArgumentException("LrRangeTest: steps must be >= 2, got " + steps);
        }
        this.minLr = minLr;
        this.maxLr = maxLr;
        this.steps = steps;
    }

    /**
     * Weight of the past in the loss average, in [0, 1) (default 0.95, as the PyTorch lr-finder's
     * {@code smooth_f = 0.05}; 0 records raw losses). The average lags about {@code beta / (1 - beta)}
     * batches behind, so with few batches over many decades a large beta shifts the suggestions up.
     */
    public LrRangeTest smoothing(double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException("LrRangeTest: smoothing must be in [0, 1), got " + beta);
        }
        this.beta = beta;
        return this;
    }

    /** Batches left out at the start when looking for the steepest descent (default 10; noisy first averages). */
    public LrRangeTest skipStart(int batches) {
        if (batches < 0) {
            throw new IllegalArgumentException("LrRangeTest: skipStart must be >= 0, got " + batches);
        }
        this.skipStart = batches;
        return this;
    }

    /** Stop once the smoothed loss exceeds this multiple of the best (default 4), > 1. */
    public LrRangeTest divergeFactor(double factor) {
        if (!(factor > 1) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("LrRangeTest: divergeFactor must be finite and > 1, got " + factor);
        }
        this.divergeFactor = factor;
        return this;
    }

    /** Whether to put parameters, optimizer state and rate back afterwards (default true). */
    public LrRangeTest restore(boolean restore) {
        this.restore = restore;
        return this;
    }

    /** The rate of batch {@code i}: {@code minLr * (maxLr / minLr)^(i / (steps - 1))}. */
    public double lrAt(int i) {
        return minLr * Math.pow(maxLr / minLr, (double) i / (steps - 1));
    }

    /** Runs the test with {@code opt} (its rate is overwritten per batch) and the caller's training closure. */
    public Result run(Optimizer opt, IntToDoubleFunction trainBatch) {
        Parameters params = opt.parameters();
        double savedLr = opt.lr();
        Tensor savedParams = restore ? params.data().copy() : null;
        OptimizerState savedState = restore ? opt.state().copy() : null;
        double[] lrs = new double[steps];
        double[] raw = new double[steps];
        double[] smooth = new double[steps];
        int n = 0;
        boolean diverged = false;
        double avg = 0;
        double best = Double.POSITIVE_INFINITY;
        try {
            for (int i = 0; i < steps; i++) {
                double lr = lrAt(i);
                opt.setLr(lr);
                opt.zeroGrad();
                double loss = trainBatch.applyAsDouble(i);
                avg = beta * avg + (1 - beta) * loss;
                double s = avg / (1 - Math.pow(beta, i + 1));
                lrs[n] = lr;
                raw[n] = loss;
                smooth[n] = s;
                n++;
                if (!Double.isFinite(s) || (i > 0 && s > divergeFactor * best)) {
                    diverged = true;
                    break;
                }
                best = Math.min(best, s);
                opt.step();
            }
        } finally {
            if (restore) {
                params.data().copyFrom(savedParams);
                opt.loadState(savedState);
                savedParams.close();
                savedState.close();
            }
            opt.setLr(savedLr);
            opt.zeroGrad();
        }
        return new Result(Arrays.copyOf(lrs, n), Arrays.copyOf(raw, n), Arrays.copyOf(smooth, n), diverged, skipStart);
    }

    /**
     * What a range test recorded: per batch, the rate, the raw loss and the smoothed loss; whether it
     * stopped because the loss diverged (then the last entry is the one that did); and how many first
     * batches the steepest-descent search skips.
     */
    public record Result(double[] lrs, double[] losses, double[] smoothed, boolean diverged, int skipStart) {

        /** Index of the lowest smoothed loss. */
        public int minLossIndex() {
            int best = 0;
            for (int i = 1; i < usable(); i++) {
                if (smoothed[i] < smoothed[best]) {
                    best = i;
                }
            }
            return best;
        }

        /** The rate of the lowest smoothed loss. */
        public double minLossLr() {
            return lrs[minLossIndex()];
        }

        /** A tenth of {@link #minLossLr()}: the usual rule of thumb for a safe rate. */
        public double minLossLrOver10() {
            return minLossLr() / 10;
        }

        /**
         * The rate where the smoothed loss falls fastest against {@code log(lr)}, from batch
         * {@code skipStart} up to the lowest loss (what follows is the divergence; if that leaves fewer
         * than 2 points, from the first batch). The slope at each batch is the least-squares slope over
         * the batches within {@code max(1, points / 20)} of it, since batch-to-batch noise swamps a
         * two-point difference.
         */
        public double steepestLr() {
            int end = minLossIndex() + 1;
            int start = end - skipStart >= 2 ? skipStart : 0;
            if (end - start < 2) {
                return lrs[0];
            }
            int half = Math.max(1, (end - start) / 20);
            int best = start;
            double bestSlope = Double.POSITIVE_INFINITY;
            for (int i = start; i < end; i++) {
                double slope = slope(Math.max(start, i - half), Math.min(end - 1, i + half));
                if (slope < bestSlope) {
                    bestSlope = slope;
                    best = i;
                }
            }
            return lrs[best];
        }

        /** Least-squares slope of the smoothed loss against log(lr) over batches {@code [lo, hi]}. */
        private double slope(int lo, int hi) {
            int n = hi - lo + 1;
            double mx = 0;
            double my = 0;
            for (int i = lo; i <= hi; i++) {
                mx += Math.log(lrs[i]);
                my += smoothed[i];
            }
            mx /= n;
            my /= n;
            double sxy = 0;
            double sxx = 0;
            for (int i = lo; i <= hi; i++) {
                double dx = Math.log(lrs[i]) - mx;
                sxy += dx * (smoothed[i] - my);
                sxx += dx * dx;
            }
            return sxy / sxx;
        }

        /** Entries before the diverging one (all of them if the test did not diverge). */
        private int usable() {
            return diverged && lrs.length > 1 ? lrs.length - 1 : lrs.length;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "LrRangeTest(%d batches%s, steepest lr %.3g, min-loss lr %.3g, min-loss lr/10 %.3g)",
                    lrs.length, diverged ? ", diverged" : "", steepestLr(), minLossLr(), minLossLrOver10());
        }
    }
}
