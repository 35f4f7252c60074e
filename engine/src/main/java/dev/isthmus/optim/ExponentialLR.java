package dev.isthmus.optim;

/** {@code torch.optim.lr_scheduler.ExponentialLR}: {@code base_lr * gamma^epoch}. */
public final class ExponentialLR extends ClosedFormSchedule {
    private final double gamma;

    public ExponentialLR(Optimizer opt, double gamma) {
        checkPositive("ExponentialLR", "gamma", gamma);
        this.gamma = gamma;
        super(opt);
    }

    @Override
    public double lrAt(long epoch) {
        return baseLr * Math.pow(gamma, epoch);
    }
}
