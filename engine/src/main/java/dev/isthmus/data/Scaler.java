package dev.isthmus.data;

import dev.isthmus.tensor.Tensor;

/**
 * A per-feature affine rescaling fitted on training data and applied unchanged to any split: standardisation
 * ({@link StandardScaler}) or min-max scaling ({@link MinMaxScaler}). Fit on the training split only, so that no
 * statistic of the validation or test data leaks into training.
 *
 * <p>Works on rows: a tensor whose element count is a multiple of {@link #features()} is read as rows of that
 * many features (a batch {@code [B, F]}, or images {@code [B, 1, 28, 28]} with one parameter per pixel).
 * Parameters export to one float array for checkpoints.
 */
public interface Scaler {

    /** Number of features (parameters per statistic). */
    int features();

    /** Scales {@code t} in place. */
    void transform(Tensor t);

    /** Undoes {@link #transform} in place (e.g. to read a regression model's scaled prediction in real units). */
    void inverse(Tensor t);

    /** All parameters in one array (layout documented by each implementation), for checkpoints. */
    float[] parameters();

    /** A loader transform that scales each batch's features. */
    default BatchTransform onFeatures() {
        return (batch, rng) -> transform(batch.x());
    }

    /** A loader transform that scales each batch's float targets (regression). */
    default BatchTransform onTargets() {
        return (batch, rng) -> {
            if (batch.hasLabels()) {
                throw new IllegalStateException("cannot scale class-index targets; onTargets() is for regression");
            }
            transform(batch.y());
        };
    }
}
