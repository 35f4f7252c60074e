package dev.isthmus.optim;

import java.util.Arrays;

/**
 * {@code torch.optim.lr_scheduler.MultiStepLR}: {@code base_lr * gamma^k}, where {@code k} is the number of
 * milestones (epochs, increasing) reached so far.
 */
public final class MultiStepLR extends ClosedFormSchedule {
    private final int[] milestones;
    private final double gamma;

    public MultiStepLR(Optimizer opt, int[] milestones, double gamma) {
        int[] m = milestones == null ? new int[0] : milestones.clone();
        for (int i = 0; i < m.length; i++) {
            if (m[i] < 1 || (i > 0 && m[i] <= m[i - 1])) {
                throw new IllegalArgumentException("MultiStepLR: milestones must be increasing epochs >= 1, got " + Arrays.toString(m));
            }
        }
        checkPositive("MultiStepLR", "gamma", gamma);
        this.milestones = m;
        this.gamma = gamma;
        super(opt);
    }

    @Override
    public double lrAt(long epoch) {
        int reached = 0;
        while (reached < milestones.length && milestones[reached] <= epoch) {
            reached++;
        }
        return baseLr * Math.pow(gamma, reached);
    }
}
