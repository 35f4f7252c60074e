package dev.isthmus.optim;

/**
 * {@code torch.optim.lr_scheduler.CosineAnnealingLR}:
 * {@code eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2}. Past {@code T_max} the
 * cosine goes on (back up to {@code base_lr} at {@code 2 T_max}), as PyTorch's does.
 */
public final class CosineAnnealingLR extends ClosedFormSchedule {
    private final int tMax;
    private final double etaMin;

    public CosineAnnealingLR(Optimizer opt, int tMax) {
        this(opt, tMax, 0);
    }

    public CosineAnnealingLR(Optimizer opt, int tMax, double etaMin) {
        if (tMax < 1) {
            throw new IllegalArgumentException("CosineAnnealingLR: T_max must be >= 1, got " + tMax);
        }
        Optimizer.checkLr("CosineAnnealingLR eta_min", etaMin);
        this.tMax = tMax;
        this.etaMin = etaMin;
        super(opt);
    }

    @Override
    public double lrAt(long epoch) {
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }
}
