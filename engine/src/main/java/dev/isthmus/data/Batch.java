package dev.isthmus.data;

import dev.isthmus.tensor.Tensor;

/**
 * One mini-batch as a {@link DataLoader} hands it out: features {@link #x()} {@code [B, ...]}, and either class
 * indices {@link #labels()} or float targets {@link #y()} {@code [B, ...]}, plus the dataset indices of its
 * samples.
 *
 * <p>Everything in a batch is a view of buffers the loader owns and reuses: a batch is valid until the next
 * call to {@link DataLoader#next()} (which hands it back), and must not be closed or kept.
 */
public final class Batch {

    private final Tensor x;
    private final Tensor y;
    private final int[] labels;
    private final int[] indices;
    private final int size;
    int epoch;
    int index;

    Batch(Tensor x, Tensor y, int[] labels, int[] indices) {
        this.x = x;
        this.y = y;
        this.labels = labels;
        this.indices = indices;
        this.size = indices.length;
    }

    /** Features {@code [B, ...]}; transforms may change them in place. */
    public Tensor x() {
        return x;
    }

    /** Float targets {@code [B, ...]}; only for datasets with vector targets. */
    public Tensor y() {
        if (y == null) {
            throw new IllegalStateException("this batch has class-index targets; use labels()");
        }
        return y;
    }

    /** True if the targets are class indices ({@link #labels()}), false if floats ({@link #y()}). */
    public boolean hasLabels() {
        return labels != null;
    }

    /** Class indices, exactly {@link #size()} of them (the loader's reused array: read, do not keep). */
    public int[] labels() {
        if (labels == null) {
            throw new IllegalStateException("this batch has float targets; use y()");
        }
        return labels;
    }

    /** The indices, in the loader's dataset, of this batch's samples (exactly {@link #size()}; do not keep). */
    public int[] indices() {
        return indices;
    }

    /** Number of samples: the batch size, or fewer in an epoch's last batch when drop-last is off. */
    public int size() {
        return size;
    }

    /** The epoch this batch belongs to. */
    public int epoch() {
        return epoch;
    }

    /** Position of this batch in its epoch, from 0. */
    public int index() {
        return index;
    }

    @Override
    public String toString() {
        return "Batch[epoch " + epoch + ", #" + index + ", " + size + " samples, x " + x.shapeString() + "]";
    }
}
