package dev.isthmus.optim;

/** {@code torch.optim.lr_scheduler.StepLR}: {@code base_lr * gamma^(epoch / step_size)} (integer division). */
public final class StepLR extends ClosedFormSchedule {
    private final int stepSize;
    private final double gamma;

    public StepLR(Optimizer opt, int stepSize, double gamma) {
        if (stepSize < 1) {
            throw new IllegalArgumentException("StepLR: step_size must be >= 1, got " + stepSize);
        }
        checkPositive("StepLR", "gamma", gamma);
        this.stepSize = stepSize;
        this.gamma = gamma;
        super(opt);
    }

    @Override
    public double lrAt(long epoch) {
        return baseLr * Math.pow(gamma, epoch / stepSize);
    }
}
