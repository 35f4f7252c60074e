package dev.isthmus.train;

import java.util.List;

/**
 * Callbacks a training loop makes so that progress displays, loggers and recorders need not know the
 * loop. All methods default to doing nothing.
 *
 * <p>{@link #onBatchEnd} runs once per batch on the training thread: implementations must be cheap and
 * must not allocate there (format text only when something is actually shown, at a throttled rate).
 */
public interface TrainingListener {

    /** Before the first epoch of a run of {@code epochs} epochs (counting already finished ones on resume). */
    default void onTrainStart(int epochs) {
    }

    /**
     * Before epoch {@code epoch} (1-based) of {@code epochs}, which will have {@code batches} batches
     * ({@code <= 0} if unknown).
     */
    default void onEpochStart(int epoch, int epochs, int batches) {
    }

    /**
     * After training batch {@code batch} (1-based within the epoch) of {@code batchSize} samples whose mean
     * loss was {@code loss}.
     */
    default void onBatchEnd(int batch, int batchSize, double loss) {
    }

    /** After the epoch, with everything measured for it (also appended to the run's {@link History}). */
    default void onEpochEnd(EpochRecord record) {
    }

    /** After the last epoch, or when training stops early. */
    default void onTrainEnd() {
    }

    /** One listener that forwards every call to {@code listeners} in order. */
    static TrainingListener of(TrainingListener... listeners) {
        TrainingListener[] all = List.of(listeners).toArray(new TrainingListener[0]);
        return new TrainingListener() {
            @Override
            public void onTrainStart(int epochs) {
                for (TrainingListener l : all) {
                    l.onTrainStart(epochs);
                }
            }

            @Override
            public void onEpochStart(int epoch, int epochs, int batches) {
                for (TrainingListener l : all) {
                    l.onEpochStart(epoch, epochs, batches);
                }
            }

            @Override
            public void onBatchEnd(int batch, int batchSize, double loss) {
                for (TrainingListener l : all) {
                    l.onBatchEnd(batch, batchSize, loss);
                }
            }

            @Override
            public void onEpochEnd(EpochRecord record) {
                for (TrainingListener l : all) {
                    l.onEpochEnd(record);
                }
            }

            @Override
            public void onTrainEnd() {
                for (TrainingListener l : all) {
                    l.onTrainEnd();
                }
            }
        };
    }
}
