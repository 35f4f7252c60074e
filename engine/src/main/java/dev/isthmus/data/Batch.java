package dev.isthmus.data;

import dev.isthmus.tensor.Tensor;

/**
 * One mini-batch as a {@link DataLoader} hands it out: features {@link #x()} {@code [B, ...]}, targets {@link #y()}
 * as a float tensor, class indices also as ints ({@link #labels()}), and the dataset indices of its samples.
 *
 * <p>{@code y()} follows the convention of {@link dev.isthmus.loss.Loss}: for class targets it is {@code [B]} holding
 * each class index as a float (exact below 2^24), for vector targets {@code [B, ...]} (the target shape).
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

    /**
     * Targets as floats: {@code [B]} class indices for class targets (what classification losses take), or
     * {@code [B, ...]} vector targets.
     */
    public Tensor y() {
        return y;
    }

    /** True if the targets are class indices (also available as {@link #labels()}), false for vector targets. */
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
