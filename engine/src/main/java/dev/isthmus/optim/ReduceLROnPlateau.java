package dev.isthmus.optim;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code torch.optim.lr_scheduler.ReduceLROnPlateau}: multiplies the rate by {@code factor} when the
 * monitored metric has not improved for more than {@code patience} epochs, then waits {@code cooldown}
 * epochs before counting again, never going below {@code min_lr} (and skipping reductions smaller than
 * {@code eps}). "Improved" means, in mode {@code MIN} with the relative threshold, {@code metric < best *
 * (1 - threshold)} ({@code MAX}: {@code metric > best * (1 + threshold)}); with the absolute threshold,
 * {@code best - threshold} ({@code best + threshold}).
 *
 * <pre>{@code
 * ReduceLROnPlateau s = ReduceLROnPlateau.builder(opt).factor(0.5).patience(3).build();
 * s.step(validationLoss);   // after every epoch
 * }</pre>
 */
public final class ReduceLROnPlateau implements LrScheduler {

    /** Whether smaller (loss) or larger (accuracy) is better. */
    public enum Mode { MIN, MAX }

    /** How the threshold is applied: relative to {@code best}, or as an absolute margin. */
    public enum ThresholdMode { REL, ABS }

    private final Optimizer opt;
    private final Mode mode;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final ThresholdMode thresholdMode;
    private final int cooldown;
    private final double minLr;
    private final double eps;

    private long lastEpoch;
    private double best;
    private int numBadEpochs;
    private int cooldownCounter;
    private double lr;

    private ReduceLROnPlateau(Builder b) {
        if (b.opt == null) {
            throw new IllegalArgumentException("ReduceLROnPlateau: optimizer is null");
        }
        if (!(b.factor > 0 && b.factor < 1)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: factor must be in (0, 1), got " + b.factor);
        }
        if (b.patience < 0 || b.cooldown < 0) {
            throw new IllegalArgumentException("ReduceLROnPlateau: patience and cooldown must be >= 0, got "
                    + b.patience + " and " + b.cooldown);
        }
        if (!(b.threshold >= 0) || Double.isInfinite(b.threshold)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: threshold must be finite and >= 0, got " + b.threshold);
        }
        Optimizer.checkLr("ReduceLROnPlateau min_lr", b.minLr);
        if (!(b.eps >= 0) || Double.isInfinite(b.eps)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: eps must be finite and >= 0, got " + b.eps);
        }
        this.opt = b.opt;
        this.mode = b.mode;
        this.factor = b.factor;
        this.patience = b.patience;
        this.threshold = b.threshold;
        this.thresholdMode = b.thresholdMode;
        this.cooldown = b.cooldown;
        this.minLr = b.minLr;
        this.eps = b.eps;
        this.best = worst();
        this.lr = opt.lr();
    }

    public static Builder builder(Optimizer opt) {
        return new Builder(opt);
    }

    @Override
    public Interval interval() {
        return Interval.EPOCH;
    }

    @Override
    public boolean needsMetric() {
        return true;
    }

    /** Always fails: this schedule needs the monitored metric. */
    @Override
    public void step() {
        throw new IllegalStateException("ReduceLROnPlateau needs the monitored metric: call step(metric)");
    }

    @Override
    public void step(double metric) {
        lastEpoch++;
        if (isBetter(metric, best)) {
            best = metric;
            numBadEpochs = 0;
        } else {
            numBadEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            numBadEpochs = 0;
        }
        if (numBadEpochs > patience) {
            double old = opt.lr();
            double next = Math.max(old * factor, minLr);
            if (old - next > eps) {
                opt.setLr(next);
            }
            cooldownCounter = cooldown;
            numBadEpochs = 0;
        }
        lr = opt.lr();
    }

    private boolean isBetter(double a, double b) {
        return switch (mode) {
            case MIN -> thresholdMode == ThresholdMode.REL ? a < b * (1 - threshold) : a < b - threshold;
            case MAX -> thresholdMode == ThresholdMode.REL ? a > b * (threshold + 1) : a > b + threshold;
        };
    }

    private double worst() {
        return mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    @Override
    public double lr() {
        return lr;
    }

    @Override
    public long lastEpoch() {
        return lastEpoch;
    }

    /** The best metric so far (+-infinity before the first step). */
    public double best() {
        return best;
    }

    public int numBadEpochs() {
        return numBadEpochs;
    }

    public int cooldownCounter() {
        return cooldownCounter;
    }

    @Override
    public Map<String, Double> state() {
        Map<String, Double> s = new LinkedHashMap<>();
        s.put("last_epoch", (double) lastEpoch);
        s.put("best", best);
        s.put("num_bad_epochs", (double) numBadEpochs);
        s.put("cooldown_counter", (double) cooldownCounter);
        return s;
    }

    @Override
    public void loadState(Map<String, Double> s) {
        for (String k : new String[]{"last_epoch", "best", "num_bad_epochs", "cooldown_counter"}) {
            if (s.get(k) == null) {
                throw new IllegalArgumentException("ReduceLROnPlateau.loadState: missing " + k + " in " + s.keySet());
            }
        }
        this.lastEpoch = s.get("last_epoch").longValue();
        this.best = s.get("best");
        this.numBadEpochs = s.get("num_bad_epochs").intValue();
        this.cooldownCounter = s.get("cooldown_counter").intValue();
        this.lr = opt.lr();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ReduceLROnPlateau(mode=%s, factor=%s, patience=%d, threshold=%s %s, cooldown=%d, min_lr=%s)",
                mode, factor, patience, threshold, thresholdMode, cooldown, minLr);
    }

    /** Settings; defaults as PyTorch (min, factor 0.1, patience 10, threshold 1e-4 rel, cooldown 0, min_lr 0, eps 1e-8). */
    public static final class Builder {
        private final Optimizer opt;
        private Mode mode = Mode.MIN;
        private double factor = 0.1;
        private int patience = 10;
        private double threshold = 1e-4;
        private ThresholdMode thresholdMode = ThresholdMode.REL;
        private int cooldown;
        private double minLr;
        private double eps = 1e-8;

        private Builder(Optimizer opt) {
            this.opt = opt;
        }

        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /** Multiplier of the rate at each reduction, in (0, 1). */
        public Builder factor(double factor) {
            this.factor = factor;
            return this;
        }

        /** Epochs without improvement tolerated before a reduction. */
        public Builder patience(int patience) {
            this.patience = patience;
            return this;
        }

        public Builder threshold(double threshold, ThresholdMode thresholdMode) {
            this.threshold = threshold;
            this.thresholdMode = thresholdMode;
            return this;
        }

        public Builder threshold(double threshold) {
            return threshold(threshold, ThresholdMode.REL);
        }

        /** Epochs to wait after a reduction before counting bad epochs again. */
        public Builder cooldown(int cooldown) {
            this.cooldown = cooldown;
            return this;
        }

        public Builder minLr(double minLr) {
            this.minLr = minLr;
            return this;
        }

        /** Reductions smaller than this are skipped. */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        public ReduceLROnPlateau build() {
            return new ReduceLROnPlateau(this);
        }
    }
}
