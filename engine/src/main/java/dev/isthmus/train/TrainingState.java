package dev.isthmus.train;

import dev.isthmus.nn.Layer;
import dev.isthmus.optim.LrScheduler;
import dev.isthmus.optim.Optimizer;

import java.nio.file.Path;
import java.util.Map;

/**
 * Everything a resumed run needs, in one object: the model (weights and buffers), the optimizer's and the
 * schedule's state, the step counter and seed from which every dropout mask derives (the loaders' shuffles
 * derive from their seeds and the epoch), early stopping's best epoch and weights, and the history up to the
 * last epoch. The {@link Trainer} owns it and advances it; {@link Checkpoint} writes it and reads it back, so
 * resuming is {@code Checkpoint.restore(file, state)}.
 */
final class TrainingState implements AutoCloseable {
    final Layer model;
    final Optimizer optimizer;
    /** The learning-rate schedule, or null. */
    final LrScheduler scheduler;
    final long seed;
    /** Metadata describing the model, written into every checkpoint. */
    final Map<String, String> architecture;
    /** Where a checkpoint's history is written (null without checkpoints). */
    final Path historyFile;
    /** Early stopping's running state and best weights, or null without early stopping. */
    final BestWeights early;
    private History history = new History();
    private long step;

    TrainingState(Layer model, Optimizer optimizer, LrScheduler scheduler, long seed, Map<String, String> architecture,
                  Path historyFile, EarlyStopping earlyStopping) {
        this.model = model;
        this.optimizer = optimizer;
        this.scheduler = scheduler;
        this.seed = seed;
        this.architecture = architecture;
        this.historyFile = historyFile;
        this.early = earlyStopping == null ? null : new BestWeights(earlyStopping);
    }

    History history() {
        return history;
    }

    /** The last finished epoch (0 before the first). */
    int epoch() {
        return history.lastEpoch();
    }

    /** Optimizer steps' worth of batches trained so far, over all epochs. */
    long step() {
        return step;
    }

    void advance() {
        step++;
    }

    /** Where a checkpoint left off: its history (epochs 1 to the checkpoint's) and step counter. */
    void resume(History h, long atStep) {
        this.history = h;
        this.step = atStep;
    }

    /** Frees early stopping's copy of the best weights (idempotent). */
    @Override
    public void close() {
        if (early != null) {
            early.close();
        }
    }
}
