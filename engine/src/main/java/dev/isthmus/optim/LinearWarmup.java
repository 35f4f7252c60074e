package dev.isthmus.optim;

/**
 * A linear warm-up before another schedule, as PyTorch's
 * {@code SequentialLR([LinearLR(start_factor, total_iters=warmup), after], milestones=[warmup])}: for the
 * first {@code warmup} steps the rate rises linearly from {@code start_factor * base_lr} towards
 * {@code base_lr}, then {@code after} runs from its own epoch 0.
 *
 * <p>The wrapped schedule serves as a function of the epoch ({@link ClosedFormSchedule#lrAt}); step only
 * the warm-up.
 */
public final class LinearWarmup extends ClosedFormSchedule {
    private final ClosedFormSchedule after;
    private final int warmup;
    private final double startFactor;

    public LinearWarmup(ClosedFormSchedule after, int warmup, double startFactor) {
        if (after == null) {
            throw new IllegalArgumentException("LinearWarmup: the schedule after the warm-up is null");
        }
        if (warmup < 1) {
            throw new IllegalArgumentException("LinearWarmup: warm-up length must be >= 1 step, got " + warmup);
        }
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("LinearWarmup: start_factor must be in (0, 1], got " + startFactor);
        }
        this.after = after;
        this.warmup = warmup;
        this.startFactor = startFactor;
        super(after.opt);
    }

    @Override
    public double lrAt(long epoch) {
        if (epoch < warmup) {
            return after.baseLr * (startFactor + (1 - startFactor) * epoch / warmup);
        }
        return after.lrAt(epoch - warmup);
    }

    /** Restores the counters; {@code base_lr} applies to the wrapped schedule too. */
    @Override
    public void loadState(java.util.Map<String, Double> s) {
        Double b = s.get("base_lr");
        if (b != null) {
            Optimizer.checkLr("LinearWarmup", b);
            after.baseLr = b;
        }
        super.loadState(s);
    }

    @Override
    public LinearWarmup everyBatch() {
        super.everyBatch();
        return this;
    }
}
