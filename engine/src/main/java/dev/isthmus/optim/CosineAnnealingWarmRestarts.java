package dev.isthmus.optim;

/**
 * SGDR, {@code torch.optim.lr_scheduler.CosineAnnealingWarmRestarts}: cosine annealing from
 * {@code base_lr} to {@code eta_min} over a period of {@code T_0} epochs, then a restart at
 * {@code base_lr} with the period multiplied by {@code T_mult}:
 * {@code eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2}.
 */
public final class CosineAnnealingWarmRestarts extends ClosedFormSchedule {
    private final long t0;
    private final long tMult;
    private final double etaMin;

    public CosineAnnealingWarmRestarts(Optimizer opt, int t0, int tMult, double etaMin) {
        if (t0 < 1) {
            throw new IllegalArgumentException("CosineAnnealingWarmRestarts: T_0 must be >= 1, got " + t0);
        }
        if (tMult < 1) {
            throw new IllegalArgumentException("CosineAnnealingWarmRestarts: T_mult must be >= 1, got " + tMult);
        }
        Optimizer.checkLr("CosineAnnealingWarmRestarts eta_min", etaMin);
        this.t0 = t0;
        this.tMult = tMult;
        this.etaMin = etaMin;
        super(opt);
    }

    @Override
    public double lrAt(long epoch) {
        long tCur = epoch;
        long tI = t0;
        while (tCur >= tI) {
            tCur -= tI;
            tI *= tMult;
        }
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * tCur / tI)) / 2;
    }
}
