package dev.isthmus.optim;

import java.util.Map;

/**
 * A learning-rate schedule: it sets its optimizer's rate when built (epoch 0) and at every {@link #step()}.
 *
 * <p>Whether one step is an epoch or a mini-batch is the trainer's choice, which it reads from
 * {@link #interval()}: call {@code step()} after every epoch, or after every optimizer step (with gradient
 * accumulation: when {@code GradientAccumulator.afterBackward()} returns true). Schedules that follow a
 * monitored value ({@link ReduceLROnPlateau}) say so with {@link #needsMetric()} and are stepped with
 * {@link #step(double)}. {@link #state()} and {@link #loadState} carry the schedule's counters in
 * checkpoints (the rate itself is in the optimizer's state).
 */
public interface LrScheduler {

    /** How often the trainer steps the schedule. */
    enum Interval { EPOCH, BATCH }

    Interval interval();

    /** Advances one epoch (or batch) and sets the optimizer's rate. */
    void step();

    /** Advances with the monitored metric (validation loss, accuracy); schedules that ignore it just step. */
    default void step(double metric) {
        step();
    }

    /** True if {@link #step(double)} must be given the monitored metric. */
    default boolean needsMetric() {
        return false;
    }

    /** The rate set by the last step (PyTorch's {@code get_last_lr()}). */
    double lr();

    /** Steps taken since the schedule was built (PyTorch's {@code last_epoch}). */
    long lastEpoch();

    /** The schedule's counters by PyTorch's names ({@code last_epoch}, {@code base_lr}, {@code best}, ...). */
    Map<String, Double> state();

    /** Restores counters saved by {@link #state()} from a schedule of the same kind and settings. */
    void loadState(Map<String, Double> state);
}
