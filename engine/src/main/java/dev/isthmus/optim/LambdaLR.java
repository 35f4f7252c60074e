package dev.isthmus.optim;

import java.util.function.LongToDoubleFunction;

/**
 * {@code torch.optim.lr_scheduler.LambdaLR}: {@code base_lr * factor(epoch)} for a caller's function, for
 * schedules the library does not name (e.g. {@code e -> 1.0 / (1 + 0.1 * e)}, inverse-time decay).
 */
public final class LambdaLR extends ClosedFormSchedule {
    private final LongToDoubleFunction factor;

    public LambdaLR(Optimizer opt, LongToDoubleFunction factor) {
        if (factor == null) {
            throw new IllegalArgumentException("LambdaLR: factor function is null");
        }
        this.factor = factor;
        super(opt);
    }

    @Override
    public double lrAt(long epoch) {
        return baseLr * factor.applyAsDouble(epoch);
    }
}
