package dev.isthmus.train;

/**
 * Stop training when a monitored value has not improved for {@code patience} epochs, and keep the weights
 * of the best epoch (restored at the end of training), as Keras's {@code EarlyStopping(restore_best_weights=True)}.
 *
 * @param monitor        a History column: {@code val_loss}, {@code train_loss} or a metric such as {@code val_acc}
 * @param patience       epochs without improvement before stopping (>= 1)
 * @param higherIsBetter true for accuracy-like values, false for losses
 * @param minDelta       the smallest change that counts as an improvement (>= 0)
 */
public record EarlyStopping(String monitor, int patience, boolean higherIsBetter, double minDelta) {

    public EarlyStopping {
        if (monitor == null || monitor.isBlank()) {
            throw new IllegalArgumentException("EarlyStopping: monitor must name a History column, e.g. val_loss");
        }
        if (patience < 1) {
            throw new IllegalArgumentException("EarlyStopping: patience must be >= 1, got " + patience);
        }
        if (!(minDelta >= 0)) {
            throw new IllegalArgumentException("EarlyStopping: minDelta must be >= 0, got " + minDelta);
        }
    }

    /** Stop when validation loss has not improved for {@code patience} epochs. */
    public static EarlyStopping onValidationLoss(int patience) {
        return new EarlyStopping("val_loss", patience, false, 0);
    }

    boolean improves(double value, double best) {
        if (Double.isNaN(value)) {
            return false;
        }
        if (Double.isNaN(best)) {
            return true;
        }
        return higherIsBetter ? value > best + minDelta : value < best - minDelta;
    }
}
