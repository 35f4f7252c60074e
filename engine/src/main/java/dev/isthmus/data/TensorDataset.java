package dev.isthmus.data;

import dev.isthmus.tensor.NativeMemory;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * An in-memory dataset backed by off-heap tensors: features {@code [N, ...]} and either class indices (N ints,
 * off-heap) or float targets {@code [N]} / {@code [N, T...]}. Like {@code torch.utils.data.TensorDataset}.
 *
 * <p>The dataset takes ownership of the tensors it is built from: {@link #close()} closes them (which frees
 * only memory they own). Its memory is shared-arena memory, so a {@link DataLoader} thread can read it.
 */
public final class TensorDataset implements Dataset, AutoCloseable {

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private final Tensor features;
    private final Tensor targets;
    private final Arena labelArena;
    private final MemorySegment labels;
    private final int numClasses;
    private final int size;
    private final int[] featureShape;
    private final int[] targetShape;
    private final long featureBytes;
    private final long targetBytes;

    private TensorDataset(Tensor features, Tensor targets, Arena labelArena, MemorySegment labels, int numClasses) {
        if (features.rank() < 1) {
            throw new IllegalArgumentException("features must have a sample dimension first, got shape " + features.shapeString());
        }
        this.features = features;
        this.targets = targets;
        this.labelArena = labelArena;
        this.labels = labels;
        this.numClasses = numClasses;
        this.size = features.dim(0);
        int[] fs = features.shape();
        this.featureShape = Arrays.copyOfRange(fs, 1, fs.length);
        this.featureBytes = Tensor.numel(featureShape) * Float.BYTES;
        if (targets != null) {
            int[] ts = targets.shape();
            this.targetShape = Arrays.copyOfRange(ts, 1, ts.length);
            this.targetBytes = Tensor.numel(targetShape) * Float.BYTES;
        } else {
            this.targetShape = new int[0];
            this.targetBytes = 0;
        }
    }

    /**
     * A classification dataset: {@code features} {@code [N, ...]} and one class index per sample, each in
     * {@code [0, numClasses)}. The labels are copied off-heap.
     */
    public static TensorDataset classification(Tensor features, int[] labels, int numClasses) {
        if (features.rank() < 1 || features.dim(0) != labels.length) {
            throw new IllegalArgumentException("features " + features.shapeString() + " and " + labels.length
                    + " labels disagree on the sample count");
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside [0, " + numClasses + ")");
            }
        }
        Arena arena = NativeMemory.arena("TensorDataset labels", labels.length);
        MemorySegment seg = arena.allocate(Math.max(1, (long) labels.length * Integer.BYTES), Tensor.ALIGNMENT);
        MemorySegment.copy(labels, 0, seg, INT, 0, labels.length);
        return new TensorDataset(features, null, arena, seg, numClasses);
    }

    /**
     * A classification dataset whose labels come as a float tensor {@code [N]} of class indices (the convention of
     * {@link dev.isthmus.loss.Loss}); each must be an integer in {@code [0, numClasses)}. The labels tensor is only
     * read, not kept.
     */
    public static TensorDataset classification(Tensor features, Tensor labels, int numClasses) {
        if (labels.rank() != 1) {
            throw new IllegalArgumentException("class labels must be a [N] tensor, got " + labels.shapeString());
        }
        int[] ints = new int[labels.dim(0)];
        for (int i = 0; i < ints.length; i++) {
            float v = labels.getFlat(i);
            if (v != Math.rint(v) || v < 0 || v >= numClasses) {
                throw new IllegalArgumentException("label " + v + " of sample " + i + " is not a class index in [0, "
                        + numClasses + ")");
            }
            ints[i] = (int) v;
        }
        return classification(features, ints, numClasses);
    }

    /**
     * A regression dataset: {@code features} {@code [N, ...]} and {@code targets} {@code [N]} (scalar targets) or
     * {@code [N, T...]}.
     */
    public static TensorDataset regression(Tensor features, Tensor targets) {
        if (features.rank() < 1 || targets.rank() < 1 || features.dim(0) != targets.dim(0)) {
            throw new IllegalArgumentException("features " + features.shapeString() + " and targets " + targets.shapeString()
                    + " disagree on the sample count");
        }
        return new TensorDataset(features, targets, null, null, 0);
    }

    /**
     * A new dataset holding a copy of every sample of {@code source} (e.g. to materialise a {@link Subset} before
     * scaling its features in place). The copy owns its memory.
     */
    public static TensorDataset copyOf(Dataset source) {
        int n = source.size();
        int[] fs = source.featureShape();
        int[] shape = new int[fs.length + 1];
        shape[0] = n;
        System.arraycopy(fs, 0, shape, 1, fs.length);
        Tensor x = Tensor.zeros(shape);
        try {
            long fb = (long) source.featureSize() * Float.BYTES;
            for (int i = 0; i < n; i++) {
                source.copyFeatures(i, x.segment(), i * fb);
            }
            if (source.targetKind() == TargetKind.CLASS_INDEX) {
                return classification(x, source.labels(), source.numClasses());
            }
            int[] ts = source.targetShape();
            int[] tshape = new int[ts.length + 1];
            tshape[0] = n;
            System.arraycopy(ts, 0, tshape, 1, ts.length);
            Tensor y = Tensor.zeros(tshape);
            long tb = (long) source.targetSize() * Float.BYTES;
            for (int i = 0; i < n; i++) {
                source.copyTarget(i, y.segment(), i * tb);
            }
            return regression(x, y);
        } catch (RuntimeException | Error e) {
            x.close();
            throw e;
        }
    }

    /** The features tensor {@code [N, ...]} (not a copy: scaling it in place changes the dataset). */
    public Tensor features() {
        return features;
    }

    /** The targets tensor {@code [N, ...]} of a regression dataset (not a copy). */
    public Tensor targets() {
        if (targets == null) {
            throw new IllegalStateException("a classification dataset has no float targets; use label(i) or labels()");
        }
        return targets;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int[] featureShape() {
        return featureShape.clone();
    }

    @Override
    public TargetKind targetKind() {
        return labels != null ? TargetKind.CLASS_INDEX : TargetKind.VECTOR;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int[] targetShape() {
        return targetShape.clone();
    }

    @Override
    public void copyFeatures(int index, MemorySegment dst, long dstOffset) {
        checkIndex(index);
        MemorySegment.copy(features.segment(), index * featureBytes, dst, dstOffset, featureBytes);
    }

    @Override
    public int label(int index) {
        if (labels == null) {
            throw new IllegalStateException("label(" + index + ") on a dataset with vector targets of shape "
                    + Arrays.toString(targetShape));
        }
        checkIndex(index);
        return labels.getAtIndex(INT, index);
    }

    @Override
    public void copyTarget(int index, MemorySegment dst, long dstOffset) {
        if (targets == null) {
            throw new IllegalStateException("copyTarget(" + index + ") on a dataset with class-index targets");
        }
        checkIndex(index);
        MemorySegment.copy(targets.segment(), index * targetBytes, dst, dstOffset, targetBytes);
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("sample " + index + " of a dataset of " + size);
        }
    }

    /** Frees the features, targets and labels. */
    @Override
    public void close() {
        features.close();
        if (targets != null) {
            targets.close();
        }
        if (labelArena != null && labelArena.scope().isAlive()) {
            labelArena.close();
        }
    }

    @Override
    public String toString() {
        return "TensorDataset[" + size + " samples of " + Arrays.toString(featureShape) + ", "
                + (labels != null ? numClasses + " classes" : "targets " + Arrays.toString(targetShape)) + "]";
    }
}
