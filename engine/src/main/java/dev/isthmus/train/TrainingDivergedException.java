package dev.isthmus.train;

/**
 * The training loss became NaN or infinite. The message names the epoch and batch; training stopped before
 * the bad step reached the weights, and the last checkpoint written (if any) is left untouched on disk.
 */
public class TrainingDivergedException extends ArithmeticException {
    private final int epoch;
    private final int batch;

    public TrainingDivergedException(String message, int epoch, int batch) {
        super(message);
        this.epoch = epoch;
        this.batch = batch;
    }

    /** Epoch (from 1) in which the loss diverged. */
    public int epoch() {
        return epoch;
    }

    /** Batch index (from 0) within that epoch. */
    public int batch() {
        return batch;
    }
}
