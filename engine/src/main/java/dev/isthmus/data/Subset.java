package dev.isthmus.data;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A view of some samples of another dataset, in a given order (repeats allowed, e.g. after over-sampling),
 * sharing its storage. Like {@code torch.utils.data.Subset}; splits and balancing helpers return these.
 */
public final class Subset implements Dataset {

    private final Dataset base;
    private final int[] indices;

    /** A view of {@code base}'s samples at {@code indices} (copied; each must be in {@code [0, base.size())}). */
    public Subset(Dataset base, int[] indices) {
        int n = base.size();
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= n) {
                throw new IndexOutOfBoundsException("subset index " + indices[i] + " at position " + i
                        + " is outside a dataset of " + n + " samples");
            }
        }
        if (base instanceof Subset s) {
            // Compose the index maps so reads stay one indirection deep however views are stacked.
            int[] composed = new int[indices.length];
            for (int i = 0; i < indices.length; i++) {
                composed[i] = s.indices[indices[i]];
            }
            this.base = s.base;
            this.indices = composed;
        } else {
            this.base = base;
            this.indices = indices.clone();
        }
    }

    /** The dataset the indices point into (never itself a {@code Subset}). */
    public Dataset base() {
        return base;
    }

    /** The base indices of this view's samples, in order (a copy; e.g. to save a split in a checkpoint). */
    public int[] indices() {
        return indices.clone();
    }

    /** The base index of sample {@code i} of this view. */
    public int baseIndex(int i) {
        return indices[i];
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public int[] featureShape() {
        return base.featureShape();
    }

    @Override
    public int featureSize() {
        return base.featureSize();
    }

    @Override
    public TargetKind targetKind() {
        return base.targetKind();
    }

    @Override
    public int numClasses() {
        return base.numClasses();
    }

    @Override
    public int[] targetShape() {
        return base.targetShape();
    }

    @Override
    public int targetSize() {
        return base.targetSize();
    }

    @Override
    public void copyFeatures(int index, MemorySegment dst, long dstOffset) {
        base.copyFeatures(indices[index], dst, dstOffset);
    }

    @Override
    public int label(int index) {
        return base.label(indices[index]);
    }

    @Override
    public void copyTarget(int index, MemorySegment dst, long dstOffset) {
        base.copyTarget(indices[index], dst, dstOffset);
    }

    @Override
    public String toString() {
        return "Subset[" + indices.length + " of " + base + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Subset s && s.base == base && Arrays.equals(s.indices, indices);
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(base) * 31 + Arrays.hashCode(indices);
    }
}
