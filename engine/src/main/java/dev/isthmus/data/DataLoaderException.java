package dev.isthmus.data;

/**
 * A failure while assembling a batch (on the loader's thread or not), rethrown to the consumer with where it
 * happened: epoch, batch, and the dataset index of the sample being read ({@code -1} when it happened in a
 * transform).
 */
public final class DataLoaderException extends RuntimeException {

    private final int epoch;
    private final int batch;
    private final int sampleIndex;

    DataLoaderException(int epoch, int batch, int position, int sampleIndex, String stage, Throwable cause) {
        this("data loader failed in epoch " + epoch + ", batch " + batch
                + (sampleIndex >= 0 ? ", while reading sample " + sampleIndex + " (position " + position + " in the batch)"
                : ", " + stage)
                + ": " + cause, epoch, batch, sampleIndex, cause);
    }

    private DataLoaderException(String message, int epoch, int batch, int sampleIndex, Throwable cause) {
        super(message, cause);
        this.epoch = epoch;
        this.batch = batch;
        this.sampleIndex = sampleIndex;
    }

    /** The same failure, with a stack trace of the consumer's thread (the cause keeps the loader thread's). */
    DataLoaderException rethrown() {
        return new DataLoaderException(getMessage(), epoch, batch, sampleIndex, getCause());
    }

    public int epoch() {
        return epoch;
    }

    /** Position of the failing batch in its epoch. */
    public int batch() {
        return batch;
    }

    /** The dataset index of the sample being read, or {@code -1} if the failure was in a transform. */
    public int sampleIndex() {
        return sampleIndex;
    }
}
