package dev.isthmus.data;

import java.lang.foreign.MemorySegment;

/**
 * An indexed collection of samples: float features of one fixed shape per sample (e.g. {@code [1, 28, 28]} or
 * {@code [2]}) and a target that is either a class index or a float vector (regression).
 *
 * <p>Samples are read by copying into memory the caller owns (a batch buffer), so a dataset can live off-heap,
 * be a {@link #subset view} of another, or compute samples on the fly. Implementations must allow reads from a
 * thread other than the one that built them (the {@link DataLoader} reads on its own thread), but need not allow
 * concurrent reads.
 */
public interface Dataset {

    /** What a sample's target is. */
    enum TargetKind {
        /** An int class index in {@code [0, numClasses())}. */
        CLASS_INDEX,
        /** A float vector of {@link #targetShape()}. */
        VECTOR
    }

    /** Number of samples. */
    int size();

    /** Shape of one sample's features, e.g. {@code [1, 28, 28]}; a batch of them has shape {@code [B, ...]}. */
    int[] featureShape();

    /** Number of floats in one sample's features. */
    default int featureSize() {
        return Math.toIntExact(dev.isthmus.tensor.Tensor.numel(featureShape()));
    }

    TargetKind targetKind();

    /** Number of classes for {@link TargetKind#CLASS_INDEX} targets; 0 for vector targets. */
    int numClasses();

    /** Shape of one vector target ({@code []} for a scalar target); {@code []} for class targets. */
    int[] targetShape();

    /** Number of floats in one vector target (1 for a scalar); 0 for class targets. */
    default int targetSize() {
        return targetKind() == TargetKind.VECTOR ? Math.toIntExact(dev.isthmus.tensor.Tensor.numel(targetShape())) : 0;
    }

    /**
     * Copies the features of sample {@code index} ({@link #featureSize()} floats) into {@code dst} at byte offset
     * {@code dstOffset}.
     */
    void copyFeatures(int index, MemorySegment dst, long dstOffset);

    /** The class index of sample {@code index}; only for {@link TargetKind#CLASS_INDEX} targets. */
    int label(int index);

    /**
     * Copies the vector target of sample {@code index} ({@link #targetSize()} floats) into {@code dst} at byte
     * offset {@code dstOffset}; only for {@link TargetKind#VECTOR} targets.
     */
    void copyTarget(int index, MemorySegment dst, long dstOffset);

    /**
     * A view of the samples at {@code indices} (in that order, repeats allowed), sharing this dataset's storage.
     * Like {@code torch.utils.data.Subset}.
     */
    default Subset subset(int[] indices) {
        return new Subset(this, indices);
    }

    /** All class indices in sample order; only for class targets. */
    default int[] labels() {
        requireClassTargets(this, "labels()");
        int[] out = new int[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = label(i);
        }
        return out;
    }

    /** How many samples each class has ({@link #numClasses()} entries); only for class targets. */
    default int[] classCounts() {
        requireClassTargets(this, "classCounts()");
        int[] counts = new int[numClasses()];
        for (int i = 0, n = size(); i < n; i++) {
            counts[label(i)]++;
        }
        return counts;
    }

    /** Throws if {@code ds} does not have class-index targets; {@code what} names the caller in the message. */
    static void requireClassTargets(Dataset ds, String what) {
        if (ds.targetKind() != TargetKind.CLASS_INDEX) {
            throw new IllegalArgumentException(what + " needs class-index targets, but the dataset has vector targets of shape "
                    + java.util.Arrays.toString(ds.targetShape()));
        }
    }
}
