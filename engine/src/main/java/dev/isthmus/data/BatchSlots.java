package dev.isthmus.data;

import dev.isthmus.tensor.NativeMemory;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The off-heap batch buffers of a {@link DataLoader} and how one is filled. Batch {@code b} of an epoch
 * lives in slot {@code b % count()}: a full-size batch and, when the epoch ends with a smaller one, a view
 * of the same memory. Filling reads the samples in the epoch's order from the dataset, then runs the
 * transforms. The buffers are allocated once; nothing is allocated per batch.
 */
final class BatchSlots implements AutoCloseable {
    private final Dataset dataset;
    private final int batchSize;
    private final int numBatches;
    private final int tailSize;
    private final BatchTransform[] transforms;
    private final int[] order;
    private final boolean classTargets;
    private final int numClasses;
    private final long featureBytes;
    private final long targetBytes;
    private final Arena arena;
    private final Slot[] slots;

    private record Slot(MemorySegment x, MemorySegment y, Batch full, Batch tail) {
    }

    /** {@code order}: the epoch's sample order, which the loader refills at the start of every epoch. */
    BatchSlots(Dataset dataset, int batchSize, int numBatches, int tailSize, BatchTransform[] transforms, int[] order, int count) {
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.numBatches = numBatches;
        this.tailSize = tailSize;
        this.transforms = transforms;
        this.order = order;
        this.classTargets = dataset.targetKind() == Dataset.TargetKind.CLASS_INDEX;
        this.numClasses = dataset.numClasses();
        int[] fs = dataset.featureShape();
        int[] ts = dataset.targetShape();
        if (Tensor.numel(fs) < 1) {
            throw new IllegalArgumentException("samples with feature shape " + Arrays.toString(fs) + " hold no features");
        }
        this.featureBytes = Tensor.numel(fs) * Float.BYTES;
        this.targetBytes = classTargets ? Float.BYTES : Tensor.numel(ts) * Float.BYTES;
        this.arena = NativeMemory.arena("DataLoader batch slots");
        this.slots = new Slot[count];
        try {
            for (int s = 0; s < count; s++) {
                MemorySegment x = arena.allocate(batchSize * featureBytes, Tensor.ALIGNMENT);
                MemorySegment y = arena.allocate(Math.max(1, batchSize * targetBytes), Tensor.ALIGNMENT);
                Batch full = batch(x, y, batchSize, fs, ts);
                Batch tail = tailSize > 0 ? batch(x, y, tailSize, fs, ts) : null;
                slots[s] = new Slot(x, y, full, tail);
            }
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private Batch batch(MemorySegment x, MemorySegment y, int n, int[] fs, int[] ts) {
        Tensor xt = Tensor.wrap(x.asSlice(0, n * featureBytes), prepend(n, fs));
        Tensor yt = Tensor.wrap(y.asSlice(0, n * targetBytes), prepend(n, classTargets ? new int[0] : ts));
        return new Batch(xt, yt, classTargets ? new int[n] : null, new int[n]);
    }

    private static int[] prepend(int n, int[] shape) {
        int[] s = new int[shape.length + 1];
        s[0] = n;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }

    /** Number of slots: how many batches can be filled or in use at once. */
    int count() {
        return slots.length;
    }

    /** Batch {@code b} of the epoch as its slot holds it (the smaller view for an epoch's short last batch). */
    Batch batch(int b) {
        Slot slot = slots[b % slots.length];
        return tailSize > 0 && b == numBatches - 1 ? slot.tail : slot.full;
    }

    /**
     * Fills batch {@code b} of epoch {@code epoch} into its slot; runs on the loader thread, or on the
     * consumer's when the loader prefetches nothing.
     *
     * @throws DataLoaderException naming the epoch, batch, position and sample when reading or a transform fails
     */
    Batch fill(int b, int epoch, Rng rng) {
        Slot slot = slots[b % slots.length];
        Batch batch = batch(b);
        int start = b * batchSize;
        int n = batch.size();
        int[] idx = batch.indices();
        int[] labels = classTargets ? batch.labels() : null;
        int pos = 0;
        int sample = -1;
        int stage = -1;
        try {
            for (; pos < n; pos++) {
                sample = order[start + pos];
                idx[pos] = sample;
                dataset.copyFeatures(sample, slot.x, pos * featureBytes);
                if (labels != null) {
                    int label = dataset.label(sample);
                    if (label < 0 || label >= numClasses) {
                        throw new IllegalStateException("label " + label + " is outside [0, " + numClasses + ")");
                    }
                    labels[pos] = label;
                    slot.y.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, pos, label);
                } else {
                    dataset.copyTarget(sample, slot.y, pos * targetBytes);
                }
            }
            sample = -1;
            batch.epoch = epoch;
            batch.index = b;
            for (stage = 0; stage < transforms.length; stage++) {
                transforms[stage].apply(batch, rng);
            }
        } catch (RuntimeException | Error e) {
            throw new DataLoaderException(epoch, b, pos, sample,
                    "in transform " + (stage >= 0 && stage < transforms.length ? stage + " (" + transforms[stage] + ")" : "?"), e);
        }
        return batch;
    }

    /** Frees the buffers; batches handed out become invalid. */
    @Override
    public void close() {
        arena.close();
    }
}
