package dev.isthmus.train;

import dev.isthmus.nn.Parameters;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Early stopping's running state: the best monitored value, its epoch, the epochs since, and a copy of the
 * weights of that epoch. The copy is this object's to free ({@link #close()}, idempotent); the Trainer frees it
 * once {@code fit} has restored it, so a finished Trainer holds no off-heap memory.
 */
final class BestWeights implements AutoCloseable {
    private final EarlyStopping rule;
    private double best = Double.NaN;
    private int bestEpoch;
    private int sinceBest;
    private Tensor copy;

    BestWeights(EarlyStopping rule) {
        this.rule = rule;
    }

    /** Records an epoch's result; returns true when patience has run out. */
    boolean update(EpochRecord record, Parameters params) {
        double value = record.value(rule.monitor());
        if (rule.improves(value, best)) {
            best = value;
            bestEpoch = record.epoch();
            sinceBest = 0;
            if (copy == null) {
                copy = Tensor.zeros(params.data().shape());
            }
            copy.copyFrom(params.data());
            return false;
        }
        return ++sinceBest >= rule.patience();
    }

    /** Copies the best weights back into {@code params}, if an epoch improved. */
    void restoreInto(Parameters params) {
        if (copy != null) {
            params.data().copyFrom(copy);
        }
    }

    /** The state a checkpoint recorded; {@code weights} (may be null) are copied. */
    void restore(double best, int bestEpoch, int sinceBest, MemorySegment weights, Parameters params) {
        this.best = best;
        this.bestEpoch = bestEpoch;
        this.sinceBest = sinceBest;
        if (weights != null) {
            if (copy == null) {
                copy = Tensor.zeros(params.data().shape());
            }
            MemorySegment.copy(weights, 0, copy.segment(), 0, copy.segment().byteSize());
        }
    }

    /** The copy of the best weights, or null. */
    Tensor weights() {
        return copy;
    }

    double best() {
        return best;
    }

    int bestEpoch() {
        return bestEpoch;
    }

    int sinceBest() {
        return sinceBest;
    }

    @Override
    public void close() {
        if (copy != null) {
            copy.close();
            copy = null;
        }
    }
}
