package dev.isthmus.data;

import dev.isthmus.tensor.Rng;

/**
 * A change applied in place to a freshly assembled batch, on the loader's thread (augmentation, scaling).
 * It should allocate nothing per call. The {@code rng} is the epoch's augmentation stream: drawing from it,
 * and only from it, keeps the batches reproducible for a given seed and epoch.
 */
@FunctionalInterface
public interface BatchTransform {

    void apply(Batch batch, Rng rng);
}
