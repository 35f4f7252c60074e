package dev.isthmus.train;

import dev.isthmus.data.Batch;
import dev.isthmus.data.DataLoader;
import dev.isthmus.loss.Loss;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Stochastic;
import dev.isthmus.optim.GradientAccumulator;
import dev.isthmus.optim.LrScheduler;
import dev.isthmus.optim.Optimizer;
import dev.isthmus.optim.Penalty;
import dev.isthmus.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The epoch loop the course teaches: shuffled mini-batches each epoch, forward, loss, backward, optimizer
 * step (with gradient accumulation, clipping and penalties), validation and metrics every epoch, learning-
 * rate schedules, early stopping that restores the best weights, a checkpoint after every epoch, and a
 * stop with a clear message when the loss becomes NaN.
 *
 * <p>The batch loop allocates nothing: the model, the loss and the loader reuse their buffers, and the
 * listener gets primitive values. Every random draw (shuffling, augmentation, dropout) derives from the
 * seed and the epoch or step, so the same seed, data and thread settings give bit-identical weights, and a
 * run resumed from a checkpoint ends exactly where the uninterrupted run does. What resuming needs (step,
 * history, optimizer and schedule, best weights) is one {@link TrainingState} that the trainer owns and
 * {@link Checkpoint} writes and reads.
 *
 * <p>Ownership: the trainer frees what it allocates (the best-weights copy of early stopping) at the end of
 * {@link #fit} and in {@link #close()}, which also closes the loss's buffers (a loss is usually built inline, as
 * above; one used again reallocates them). The model, optimizer and loaders stay the caller's to close.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.builder(model, new CrossEntropyLoss(), new Adam(model.parameters(), 1e-3))
 *         .epochs(10).classification(10).earlyStopping(EarlyStopping.onValidationLoss(3))
 *         .checkpoint(Path.of("runs/lenet5/checkpoint.safetensors")).build();
 * History h = trainer.fit(trainLoader, valLoader);
 * }</pre>
 */
public final class Trainer implements AutoCloseable {

    /** What the model predicts, which decides the validation metrics. */
    public enum Task { CLASSIFICATION, REGRESSION, OTHER }

    private final Layer model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final LrScheduler scheduler;
    private final int epochs;
    private final GradientAccumulator accumulator;
    private final Penalty penalty;
    private final EarlyStopping earlyStopping;
    private final Task task;
    private final int classes;
    private final TrainingListener listener;
    private final Path checkpoint;
    private final List<Stochastic> stochastic = new ArrayList<>();
    private final TrainingState state;
    private final BestWeights early;
    private boolean stopped;

    private Trainer(Builder b) {
        this.model = b.model;
        this.loss = b.loss;
        this.optimizer = b.optimizer;
        this.scheduler = b.scheduler;
        this.epochs = b.epochs;
        this.accumulator = new GradientAccumulator(optimizer, b.accumulate);
        if (b.clipNorm > 0) {
            accumulator.clipGradNorm(b.clipNorm);
        }
        this.penalty = b.penalty;
        this.earlyStopping = b.earlyStopping;
        this.task = b.task;
        this.classes = b.classes;
        this.listener = b.listener;
        this.checkpoint = b.checkpoint;
        this.state = new TrainingState(model, optimizer, scheduler, b.seed, b.architecture,
                b.historyFile != null || b.checkpoint == null ? b.historyFile : Checkpoint.historyBeside(b.checkpoint), b.earlyStopping);
        this.early = state.early;
        collectStochastic(model);
        if (optimizer.parameters() != model.parameters()) {
            throw new IllegalArgumentException("Trainer: the optimizer must be built on model.parameters()");
        }
    }

    public static Builder builder(Layer model, Loss loss, Optimizer optimizer) {
        return new Builder(model, loss, optimizer);
    }

    private void collectStochastic(Layer m) {
        if (m instanceof Stochastic s) {
            stochastic.add(s);
        }
        for (Layer child : m.childModules()) {
            collectStochastic(child);
        }
    }

    /** The epochs recorded so far (including those restored from a checkpoint). */
    public History history() {
        return state.history();
    }

    /** Epoch (from 1) whose weights were the best under early stopping, or 0. */
    public int bestEpoch() {
        return early == null ? 0 : early.bestEpoch();
    }

    /** True if early stopping ended the last {@link #fit}. */
    public boolean stoppedEarly() {
        return stopped;
    }

    /**
     * Trains from the epoch after the last recorded one up to {@code epochs}, validating on {@code val}
     * (may be null) after each; returns the history. With early stopping the best weights are restored.
     *
     * @throws TrainingDivergedException if the loss becomes NaN or infinite (the weights keep the last good step)
     */
    public History fit(DataLoader train, DataLoader val) {
        Objects.requireNonNull(train, "train loader");
        model.parameters();
        listener.onTrainStart(epochs);
        stopped = false;
        optimizer.zeroGrad();
        for (int epoch = state.epoch() + 1; epoch <= epochs && !stopped; epoch++) {
            EpochRecord record = trainEpoch(epoch, train, val);
            state.history().add(record);
            listener.onEpochEnd(record);
            stopped = early != null && early.update(record, model);
            if (checkpoint != null) {
                try {
                    Checkpoint.save(checkpoint, state);
                } catch (IOException e) {
                    throw new UncheckedIOException("saving checkpoint " + checkpoint + " after epoch " + epoch, e);
                }
            }
        }
        if (early != null) {
            early.restoreInto(model);
            early.close();
        }
        listener.onTrainEnd();
        return state.history();
    }

    /** Frees the trainer's own buffers and the loss's (idempotent); the model, optimizer and loaders are not touched. */
    @Override
    public void close() {
        state.close();
        loss.close();
    }

    private EpochRecord trainEpoch(int epoch, DataLoader train, DataLoader val) {
        model.train();
        listener.onEpochStart(epoch, epochs, train.batchesPerEpoch());
        long start = System.nanoTime();
        double lossSum = 0;
        long samples = 0;
        int batchIndex = 0;
        double lr = optimizer.lr();
        long computeNanos = 0;
        train.startEpoch(epoch - 1);
        for (Batch b = train.next(); b != null; b = train.next(), batchIndex++) {
            for (Stochastic s : stochastic) {
                s.reseed(state.seed * 0x9E3779B97F4A7C15L + state.step());
            }
            long c0 = System.nanoTime();
            Tensor out = model.forward(b.x());
            float l = loss.forward(out, b.y());
            if (!Float.isFinite(l)) {
                throw new TrainingDivergedException("training loss became " + l + " at epoch " + epoch + ", batch "
                        + batchIndex + " (" + loss.describe() + ", learning rate " + optimizer.lr() + ")"
                        + (checkpoint != null && state.epoch() > 0 ? "; the last good checkpoint (epoch "
                        + state.epoch() + ") is " + checkpoint : ""), epoch, batchIndex);
            }
            model.backward(loss.backward(accumulator.scale()));
            double penaltyValue = penalty == null ? 0 : penalty.apply(model.parameters(), accumulator.scale());
            lr = optimizer.lr();
            if (accumulator.afterBackward() && scheduler != null && scheduler.interval() == LrScheduler.Interval.BATCH) {
                scheduler.step();
            }
            computeNanos += System.nanoTime() - c0;
            state.advance();
            lossSum += (double) (l + penaltyValue) * b.size();
            samples += b.size();
            listener.onBatchEnd(batchIndex, b.size(), l);
        }
        if (accumulator.flush() && scheduler != null && scheduler.interval() == LrScheduler.Interval.BATCH) {
            scheduler.step();
        }
        long trainNanos = System.nanoTime() - start;
        double waitSeconds = train.waitNanos() / 1e9;
        Map<String, Double> metrics = new LinkedHashMap<>();
        double valLoss = Double.NaN;
        if (val != null) {
            Evaluation ev = evaluate(val);
            valLoss = ev.loss();
            ev.metrics().forEach((k, v) -> metrics.put("val_" + k, v));
        }
        if (scheduler != null && scheduler.interval() == LrScheduler.Interval.EPOCH) {
            if (scheduler.needsMetric()) {
                scheduler.step(Double.isNaN(valLoss) ? lossSum / Math.max(1, samples) : valLoss);
            } else {
                scheduler.step();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        metrics.put("train_seconds", trainNanos / 1e9);
        // Time of the training pass spent neither computing (forward, loss, backward, step) nor waiting for data:
        // batch bookkeeping, listeners, logging. The budget for it is 3 % of the epoch.
        metrics.put("overhead_pct", 100.0 * Math.max(0, trainNanos - computeNanos - train.waitNanos()) / trainNanos);
        metrics.put("data_wait_pct", 100.0 * train.waitNanos() / trainNanos);
        return new EpochRecord(epoch, lossSum / Math.max(1, samples), valLoss, metrics, lr, seconds,
                samples / (trainNanos / 1e9), waitSeconds);
    }

    /** Loss and task metrics on {@code data} in evaluation mode (dropout off, no augmentation in that loader). */
    public Evaluation evaluate(DataLoader data) {
        return Evaluation.run(model, loss, task == Task.CLASSIFICATION ? classes : 0, task == Task.REGRESSION, data);
    }

    /** Resumes from a checkpoint written by this trainer's configuration: weights, optimizer, schedule, history. */
    public Trainer resumeFrom(Path file) throws IOException {
        Checkpoint.restore(file, state);
        return this;
    }

    /** Builder with the course's defaults: 10 epochs, no accumulation, no early stopping, seed 0. */
    public static final class Builder {
        private final Layer model;
        private final Loss loss;
        private final Optimizer optimizer;
        private LrScheduler scheduler;
        private int epochs = 10;
        private int accumulate = 1;
        private double clipNorm;
        private Penalty penalty;
        private EarlyStopping earlyStopping;
        private Task task = Task.OTHER;
        private int classes;
        private TrainingListener listener = TrainingListener.of();
        private Path checkpoint;
        private Path historyFile;
        private long seed;
        private Map<String, String> architecture = Map.of();

        private Builder(Layer model, Loss loss, Optimizer optimizer) {
            this.model = Objects.requireNonNull(model, "model");
            this.loss = Objects.requireNonNull(loss, "loss");
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        }

        public Builder epochs(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            }
            this.epochs = epochs;
            return this;
        }

        public Builder scheduler(LrScheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** One optimizer step every {@code batches} mini-batches (gradient accumulation). */
        public Builder accumulate(int batches) {
            if (batches < 1) {
                throw new IllegalArgumentException("accumulate must be >= 1, got " + batches);
            }
            this.accumulate = batches;
            return this;
        }

        /** Clip the gradient's global L2 norm to {@code maxNorm} before each step (0: off). */
        public Builder clipGradNorm(double maxNorm) {
            this.clipNorm = maxNorm;
            return this;
        }

        /** An L1 or L2 penalty added to the loss and its gradient. */
        public Builder penalty(Penalty penalty) {
            this.penalty = penalty;
            return this;
        }

        public Builder earlyStopping(EarlyStopping earlyStopping) {
            this.earlyStopping = earlyStopping;
            return this;
        }

        /** Classification into {@code classes} classes: accuracy and macro F1 on validation. */
        public Builder classification(int classes) {
            if (classes < 2) {
                throw new IllegalArgumentException("classification needs >= 2 classes, got " + classes);
            }
            this.task = Task.CLASSIFICATION;
            this.classes = classes;
            return this;
        }

        /** Regression: MSE, MAE and R^2 on validation. */
        public Builder regression() {
            this.task = Task.REGRESSION;
            return this;
        }

        public Builder listener(TrainingListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /**
         * Write a training checkpoint (atomically) to {@code file} after every epoch, and the history beside it
         * ({@code <name>.history.json}, or the file given to {@link #historyFile}).
         */
        public Builder checkpoint(Path file) {
            this.checkpoint = file;
            return this;
        }

        /** Where checkpoints keep the history, {@code .json} or {@code .csv} (e.g. the run's {@code history.json}). */
        public Builder historyFile(Path file) {
            this.historyFile = Checkpoint.checkHistoryName(file);
            return this;
        }

        /** The seed from which dropout masks derive (the loaders have their own seeds). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Metadata describing the model (e.g. its architecture), written into checkpoints. */
        public Builder architecture(Map<String, String> metadata) {
            this.architecture = Map.copyOf(metadata);
            return this;
        }

        public Trainer build() {
            return new Trainer(this);
        }
    }
}
