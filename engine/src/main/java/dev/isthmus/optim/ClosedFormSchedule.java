package dev.isthmus.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A schedule whose rate is a function of the step count, {@link #lrAt(long)}, of the optimizer's rate when
 * the schedule is built ({@code base_lr}), as PyTorch's closed forms. Stepped once per epoch unless
 * {@link #everyBatch()} is called (then the periods count batches).
 *
 * <p>It owns the rate: each step overwrites the optimizer's rate with {@code lrAt(lastEpoch)}.
 */
public abstract class ClosedFormSchedule implements LrScheduler {
    final Optimizer opt;
    double baseLr;
    private long lastEpoch;
    private double lr;
    private Interval interval = Interval.EPOCH;

    /** Subclasses set their fields before calling this, so the rate of epoch 0 can be set here. */
    ClosedFormSchedule(Optimizer opt) {
        if (opt == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": optimizer is null");
        }
        this.opt = opt;
        this.baseLr = opt.lr();
        apply();
    }

    /** The rate after {@code epoch} steps. */
    public abstract double lrAt(long epoch);

    public final double baseLr() {
        return baseLr;
    }

    /** Counts batches instead of epochs: the trainer steps it after every optimizer step. */
    public ClosedFormSchedule everyBatch() {
        this.interval = Interval.BATCH;
        return this;
    }

    @Override
    public final Interval interval() {
        return interval;
    }

    @Override
    public final void step() {
        lastEpoch++;
        apply();
    }

    @Override
    public final double lr() {
        return lr;
    }

    @Override
    public final long lastEpoch() {
        return lastEpoch;
    }

    @Override
    public Map<String, Double> state() {
        Map<String, Double> s = new LinkedHashMap<>();
        s.put("last_epoch", (double) lastEpoch);
        s.put("base_lr", baseLr);
        return s;
    }

    @Override
    public void loadState(Map<String, Double> s) {
        Double e = s.get("last_epoch");
        Double b = s.get("base_lr");
        String name = getClass().getSimpleName();
        if (e == null || b == null) {
            throw new IllegalArgumentException(name + ".loadState: needs last_epoch and base_lr, got " + s.keySet());
        }
        if (!(e >= 0) || e != Math.rint(e)) {
            throw new IllegalArgumentException(name + ".loadState: last_epoch must be a whole number >= 0, got " + e);
        }
        Optimizer.checkLr(name, b);
        this.lastEpoch = e.longValue();
        this.baseLr = b;
        apply();
    }

    private void apply() {
        lr = lrAt(lastEpoch);
        opt.setLr(lr);
    }

    static void checkPositive(String name, String what, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + ": " + what + " must be finite and > 0, got " + v);
        }
    }
}
