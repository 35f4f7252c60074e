package dev.isthmus.train;

import dev.isthmus.nn.Layer;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Early stopping's running state: the best monitored value, its epoch, the epochs since, and a copy of the
 * weights and buffers ({@link Layer#namedBuffers()}) of that epoch. The copy is this object's to free ({@link #close()}, idempotent); the Trainer frees it
 * once {@code fit} has restored it, so a finished Trainer holds no off-heap memory.
 */
final class BestWeights implements AutoCloseable {
    private final EarlyStopping rule;
    private double best = Double.NaN;
    private int bestEpoch;
    private int sinceBest;
    private Tensor copy;
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();

    BestWeights(EarlyStopping rule) {
        this.rule = rule;
    }

    /** Records an epoch's result; returns true when patience has run out. */
    boolean update(EpochRecord record, Layer model) {
        double value = record.value(rule.monitor());
        if (rule.improves(value, best)) {
            best = value;
            bestEpoch = record.epoch();
            sinceBest = 0;
            keep(model);
            copy.copyFrom(model.parameters().data());
            model.namedBuffers().forEach((k, b) -> buffers.get(k).copyFrom(b));
            return false;
        }
        return ++sinceBest >= rule.patience();
    }

    private void keep(Layer model) {
        if (copy == null) {
            copy = Tensor.zeros(model.parameters().data().shape());
            model.namedBuffers().forEach((k, b) -> buffers.put(k, Tensor.zeros(b.shape())));
        }
    }

    /** Copies the best weights and buffers back into {@code model}, if an epoch improved. */
    void restoreInto(Layer model) {
        if (copy != null) {
            model.parameters().data().copyFrom(copy);
            model.namedBuffers().forEach((k, b) -> b.copyFrom(buffers.get(k)));
        }
    }

    /**
     * The state a checkpoint recorded; {@code weights} (may be null: no epoch had improved) and
     * {@code bestBuffers} (by buffer name, each already checked against the model's shape) are copied.
     */
    void restore(double best, int bestEpoch, int sinceBest, MemorySegment weights, Map<String, Tensor> bestBuffers,
                 Layer model) {
        this.best = best;
        this.bestEpoch = bestEpoch;
        this.sinceBest = sinceBest;
        if (weights != null) {
            keep(model);
            MemorySegment.copy(weights, 0, copy.segment(), 0, copy.segment().byteSize());
            bestBuffers.forEach((k, b) -> buffers.get(k).copyFrom(b));
        }
    }

    /** The copy of the best weights, or null. */
    Tensor weights() {
        return copy;
    }

    /** The copies of the best epoch's buffers by state_dict name (empty until an epoch improved). */
    Map<String, Tensor> buffers() {
        return buffers;
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
        buffers.values().forEach(Tensor::close);
        buffers.clear();
    }
}
